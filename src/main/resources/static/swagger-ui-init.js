// Swagger UI on the gateway's own API document (/v3/api-docs); "Try it out" calls this gateway.
window.addEventListener('DOMContentLoaded', () => {
  window.ui = SwaggerUIBundle({
    url: '/v3/api-docs',
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null
  });
});
