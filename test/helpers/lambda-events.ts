/** Event JSON as AWS delivers it to a Lambda, for the handler tests. */

/** One SQS record carrying `body` (an object is sent as its JSON), shaped as in AWS's documentation. */
export function sqsRecord(body: unknown, messageId: string) {
  return {
    messageId,
    receiptHandle: 'MessageReceiptHandle',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1523232000000', SenderId: 'AIDAEXAMPLE', ApproximateFirstReceiveTimestamp: '1523232000001' },
    messageAttributes: {},
    md5OfBody: '7b270e59b47ff90a553787216d55d91d',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:sluice-raw',
    awsRegion: 'eu-west-1',
  };
}
