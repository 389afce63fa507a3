// A background function: the caller gets 202 at once; the work goes on.
export default async (request) => {
  const body = await request.text();
  await new Promise((resolve) => setTimeout(resolve, 2000));
  console.log(`send-report-background finished (${body.length} bytes of input)`);
};
