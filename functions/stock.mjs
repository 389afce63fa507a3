// A Netlify function in the v2 form with its own path: a live figure.
// GET /api/stock/widget → {"sku": "widget", "count": 41, "at": "..."}
export default async (request, context) => {
  const sku = context.params.sku;
  // A figure that changes from second to second, as live stock would.
  const count = 40 + (Math.floor(Date.now() / 1000) % 7);
  return Response.json({ sku, count, at: new Date().toISOString() }, {
    headers: { "cache-control": "no-store" },
  });
};

export const config = { path: "/api/stock/:sku" };
