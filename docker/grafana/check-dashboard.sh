#!/usr/bin/env bash
# Type-checks the dashboard against Grafana's own dashboard schema: the TypeScript types Grafana generates
# from it (@grafana/schema, npm). The JSON becomes an object literal typed as `Dashboard`, so a field
# Grafana does not know, or of the wrong type, fails `tsc --strict` (excess property checks).
# Then, when promtool is installed (apt-get install prometheus), every panel query must parse as PromQL
# and docker/prometheus/prometheus.yml must be a valid Prometheus config.
# Needs Node.js and the npm registry (so it is not part of ./mvnw verify, which needs no network);
# OperatorDashboardTests checks the rest without it. Usage: docker/grafana/check-dashboard.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y > /dev/null
npm install --silent --no-audit --no-fund typescript@5 @grafana/schema > /dev/null
{
  echo "import type { Dashboard } from '@grafana/schema';"
  echo "export const dashboard: Dashboard = "
  cat "$here/dashboards/coupon-gateway.json"
  echo ";"
} > dashboard.ts
npx tsc --strict --noEmit --skipLibCheck --moduleResolution bundler --module esnext --target es2022 dashboard.ts
echo "docker/grafana/dashboards/coupon-gateway.json: a valid Dashboard for @grafana/schema $(node -p "require('@grafana/schema/package.json').version")"
if command -v promtool > /dev/null; then
  # each query as a recording rule: promtool parses them all
  node -e '
    const d = require(process.argv[1]);
    const exprs = d.panels.flatMap((p) => (p.targets || []).map((t) => t.expr));
    console.log("groups:\n  - name: dashboard\n    rules:");
    exprs.forEach((e, i) => console.log("      - record: dashboard:q" + i + "\n        expr: " + JSON.stringify(e)));
  ' "$here/dashboards/coupon-gateway.json" > queries.yml
  promtool check rules queries.yml
  promtool check config "$here/../prometheus/prometheus.yml"
fi
