#!/usr/bin/env bash
# Type-checks the dashboard against Grafana's own dashboard schema: the TypeScript types Grafana generates
# from it (@grafana/schema, npm). The JSON becomes an object literal typed as `Dashboard`, so a field
# Grafana does not know, or of the wrong type, fails `tsc --strict` (excess property checks).
# Then, when promtool is installed (apt-get install prometheus), every panel query must parse as PromQL
# and docker/prometheus/prometheus.yml must be a valid Prometheus config.
# The schema is the one of the Grafana version docker/compose.yaml runs (read from its image tag), and the
# dashboard's schemaVersion must be one that Grafana knows (no newer than the schema's own).
# Needs Node.js and the npm registry (so it is not part of ./mvnw verify, which needs no network);
# OperatorDashboardTests checks the rest without it. Usage: docker/grafana/check-dashboard.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
grafana=$(sed -n 's#^ *image: grafana/grafana:\([0-9.]*\)$#\1#p' "$here/../compose.yaml")
[ -n "$grafana" ] || { echo "no pinned grafana/grafana:<version> image in docker/compose.yaml" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y > /dev/null
npm install --silent --no-audit --no-fund typescript@5 "@grafana/schema@$grafana" > /dev/null
{
  echo "import type { Dashboard } from '@grafana/schema';"
  echo "export const dashboard: Dashboard = "
  cat "$here/dashboards/coupon-gateway.json"
  echo ";"
} > dashboard.ts
npx tsc --strict --noEmit --skipLibCheck --moduleResolution bundler --module esnext --target es2022 dashboard.ts
# the schemaVersion Grafana migrates dashboards up to (defaultDashboard in the generated types)
node -e '
  const d = require(process.argv[1]);
  const latest = require("@grafana/schema").defaultDashboard.schemaVersion;
  if (!Number.isInteger(d.schemaVersion) || d.schemaVersion > latest) {
    console.error("schemaVersion " + d.schemaVersion + " is not one Grafana " + process.argv[2] + " knows (latest " + latest + ")");
    process.exit(1);
  }
  console.log("schemaVersion " + d.schemaVersion + " (Grafana " + process.argv[2] + " migrates up to " + latest + ")");
  // every panel type a core panel of this Grafana (its options schema ships in @grafana/schema), or a row
  const fs = require("fs"), path = require("path");
  const core = path.join(path.dirname(require.resolve("@grafana/schema/package.json")), "dist/esm/raw/composable");
  const types = [...new Set(d.panels.map((p) => p.type))];
  const unknown = types.filter((t) => t !== "row" && !fs.existsSync(path.join(core, t)));
  if (unknown.length > 0) {
    console.error("panel types Grafana " + process.argv[2] + " does not ship: " + unknown.join(", "));
    process.exit(1);
  }
  console.log("panel types " + types.join(", ") + ": core panels of Grafana " + process.argv[2]);
' "$here/dashboards/coupon-gateway.json" "$grafana"
echo "docker/grafana/dashboards/coupon-gateway.json: a valid Dashboard for @grafana/schema $(node -p "require('@grafana/schema/package.json').version") (Grafana $grafana in compose.yaml)"
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
