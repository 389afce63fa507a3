// A Netlify function in the v1 (Lambda) form: `?name=Ada` → "Hello, Ada!".
exports.handler = async (event) => {
  const name = (event.queryStringParameters && event.queryStringParameters.name) || "world";
  return {
    statusCode: 200,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ message: `Hello, ${name}!` }),
  };
};
