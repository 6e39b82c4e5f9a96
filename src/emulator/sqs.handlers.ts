/**
 * Amazon SQS over awsJson1_0 (X-Amz-Target `AmazonSQS.<Operation>`, what @aws-sdk/client-sqs 3.1138 sends,
 * with `x-amzn-query-mode: true`): the calls a notification poller and its tests need.
 */
import { AwsError, isRecord, optionalInteger, optionalString, optionalStringList, type Input } from './aws-protocol.js';
import type { OperationContext } from './aws.routes.js';
import type { MessageAttributeValue } from './sqs.checksums.js';
import { sqsError, type SqsMessage, type SqsQueues } from './sqs.queues.js';

const required = (input: Input, field: string): string => {
  const value = optionalString(input, field, sqsError.invalidParameter);
  if (value === undefined || value === '') throw sqsError.missingParameter(`The request must contain the parameter ${field}.`);
  return value;
};
const integer = (input: Input, field: string, min: number, max: number) =>
  optionalInteger(input, field, min, max, () => sqsError.invalidParameter(`Value ${String(input[field])} for parameter ${field} is invalid. Reason: Must be between ${min} and ${max}, if provided.`));

function stringMap(input: Input, field: string): Record<string, string> {
  const value = input[field];
  if (value === undefined || value === null) return {};
  if (!isRecord(value) || !Object.values(value).every((v) => typeof v === 'string')) throw sqsError.invalidParameter(`${field} must map names to strings.`);
  return value as Record<string, string>;
}

function messageAttributes(input: Input): Record<string, MessageAttributeValue> | undefined {
  const value = input.MessageAttributes;
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value)) throw sqsError.invalidParameter('MessageAttributes must be a map.');
  const result: Record<string, MessageAttributeValue> = {};
  for (const [name, raw] of Object.entries(value)) {
    if (!isRecord(raw) || typeof raw.DataType !== 'string' || !/^(String|Number|Binary)(\..+)?$/.test(raw.DataType)) {
      throw sqsError.invalidParameter(`The message attribute '${name}' must have a DataType of String, Number or Binary.`);
    }
    const attribute: MessageAttributeValue = { DataType: raw.DataType };
    if (typeof raw.StringValue === 'string') attribute.StringValue = raw.StringValue;
    if (typeof raw.BinaryValue === 'string') attribute.BinaryValue = raw.BinaryValue;
    if (attribute.StringValue === undefined && attribute.BinaryValue === undefined) throw sqsError.invalidParameter(`The message attribute '${name}' must contain a non-empty value.`);
    result[name] = attribute;
  }
  return result;
}

function batchEntries(input: Input, field: string): Input[] {
  const entries = input[field];
  if (!Array.isArray(entries) || entries.length === 0) throw new AwsError('EmptyBatchRequest', 'There should be at least one entry in the request.', 400, 'AWS.SimpleQueueService.EmptyBatchRequest');
  if (entries.length > 10) throw new AwsError('TooManyEntriesInBatchRequest', 'Maximum number of entries per request are 10.', 400, 'AWS.SimpleQueueService.TooManyEntriesInBatchRequest');
  if (!entries.every(isRecord)) throw sqsError.invalidParameter(`${field} must be a list of objects.`);
  const ids = entries.map((e) => e.Id);
  if (new Set(ids).size !== ids.length) throw new AwsError('BatchEntryIdsNotDistinct', 'Two or more batch entries in the request have the same Id.', 400, 'AWS.SimpleQueueService.BatchEntryIdsNotDistinct');
  return entries;
}

/** Runs one batch entry; an AwsError becomes a Failed entry, as SQS reports per-entry failures. */
/** Runs each entry of a batch on its own: an AWS error fails that entry only, and the reply lists both outcomes. */
function runBatch<T>(entries: Input[], run: (entry: Input) => T) {
  const Successful: T[] = [];
  const Failed: { Id: unknown; SenderFault: boolean; Code: string; Message: string }[] = [];
  for (const entry of entries) {
    try {
      Successful.push(run(entry));
    } catch (error) {
      if (!(error instanceof AwsError)) throw error;
      Failed.push({ Id: entry.Id, SenderFault: error.status < 500, Code: error.queryError ?? error.code, Message: error.message });
    }
  }
  return { Successful, Failed };
}

export function sqsHandlers(deps: { queues: SqsQueues; senderId: string }) {
  const { queues } = deps;
  const queueOf = (input: Input) => queues.byUrl(required(input, 'QueueUrl'));

  function sendResult(message: SqsMessage) {
    return {
      MessageId: message.messageId,
      MD5OfMessageBody: message.md5OfBody,
      ...(message.md5OfMessageAttributes === undefined ? {} : { MD5OfMessageAttributes: message.md5OfMessageAttributes }),
    };
  }

  function send(queueInput: Input, entry: Input) {
    const queue = queueOf(queueInput);
    const delaySeconds = integer(entry, 'DelaySeconds', 0, 900);
    const attributes = messageAttributes(entry);
    return queues.send(queue, required(entry, 'MessageBody'), { ...(delaySeconds === undefined ? {} : { delaySeconds }), ...(attributes === undefined ? {} : { messageAttributes: attributes }) });
  }

  function selectMessageAttributes(message: SqsMessage, names: string[]): Record<string, MessageAttributeValue> | undefined {
    if (message.messageAttributes === undefined || names.length === 0) return undefined;
    const wanted = (name: string) => names.some((n) => n === 'All' || n === '.*' || n === name || (n.endsWith('.*') && name.startsWith(n.slice(0, -1))));
    const selected = Object.fromEntries(Object.entries(message.messageAttributes).filter(([name]) => wanted(name)));
    return Object.keys(selected).length === 0 ? undefined : selected;
  }

  function systemAttributes(message: SqsMessage, names: string[]): Record<string, string> | undefined {
    const all = names.includes('All');
    const values: Record<string, string> = {
      SenderId: deps.senderId,
      SentTimestamp: String(message.sentAt),
      ApproximateReceiveCount: String(message.receiveCount),
      ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? message.sentAt),
    };
    const selected = Object.fromEntries(Object.entries(values).filter(([name]) => all || names.includes(name)));
    return Object.keys(selected).length === 0 ? undefined : selected;
  }

  return {
    CreateQueue: (input: Input) => ({ QueueUrl: queues.urlOf(queues.create(required(input, 'QueueName'), stringMap(input, 'Attributes'))) }),
    GetQueueUrl: (input: Input) => ({ QueueUrl: queues.urlOf(queues.byName(required(input, 'QueueName'))) }),
    ListQueues: (input: Input) => {
      const prefix = optionalString(input, 'QueueNamePrefix', sqsError.invalidParameter) ?? '';
      return { QueueUrls: queues.list().filter((q) => q.name.startsWith(prefix)).map((q) => queues.urlOf(q)) };
    },
    DeleteQueue: (input: Input) => {
      queues.delete(queueOf(input));
      return {};
    },
    GetQueueAttributes: (input: Input) => {
      const all = queues.attributesOf(queueOf(input));
      const names = optionalStringList(input, 'AttributeNames', sqsError.invalidParameter) ?? [];
      for (const name of names) if (name !== 'All' && !(name in all)) throw sqsError.invalidAttributeName(name);
      const selected = names.includes('All') ? all : Object.fromEntries(Object.entries(all).filter(([name]) => names.includes(name)));
      return Object.keys(selected).length === 0 ? {} : { Attributes: selected };
    },
    SetQueueAttributes: (input: Input) => {
      queues.setAttributes(queueOf(input), stringMap(input, 'Attributes'));
      return {};
    },
    PurgeQueue: (input: Input) => {
      queues.purge(queueOf(input));
      return {};
    },
    SendMessage: (input: Input) => sendResult(send(input, input)),
    SendMessageBatch: (input: Input) => {
      queueOf(input);
      return runBatch(batchEntries(input, 'Entries'), (entry) => ({ Id: entry.Id, ...sendResult(send(input, entry)) }));
    },
    ReceiveMessage: async (input: Input, context: OperationContext) => {
      const queue = queueOf(input);
      const maxMessages = integer(input, 'MaxNumberOfMessages', 1, 10) ?? 1;
      const visibilityTimeout = integer(input, 'VisibilityTimeout', 0, 43_200);
      const waitSeconds = integer(input, 'WaitTimeSeconds', 0, 20);
      const systemNames = [...(optionalStringList(input, 'AttributeNames') ?? []), ...(optionalStringList(input, 'MessageSystemAttributeNames') ?? [])];
      const attributeNames = optionalStringList(input, 'MessageAttributeNames') ?? [];
      const messages = await queues.receive(queue, { maxMessages, visibilityTimeout, waitSeconds, signal: context.signal });
      if (messages.length === 0) return {};
      return {
        Messages: messages.map((m) => {
          const attributes = systemAttributes(m, systemNames);
          const selected = selectMessageAttributes(m, attributeNames);
          return {
            MessageId: m.messageId,
            ReceiptHandle: m.receiptHandle,
            MD5OfBody: m.md5OfBody,
            Body: m.body,
            ...(attributes === undefined ? {} : { Attributes: attributes }),
            ...(selected === undefined || m.md5OfMessageAttributes === undefined ? {} : { MD5OfMessageAttributes: m.md5OfMessageAttributes, MessageAttributes: selected }),
          };
        }),
      };
    },
    DeleteMessage: (input: Input) => {
      queues.deleteMessage(queueOf(input), required(input, 'ReceiptHandle'));
      return {};
    },
    DeleteMessageBatch: (input: Input) => {
      const queue = queueOf(input);
      return runBatch(batchEntries(input, 'Entries'), (entry) => {
        queues.deleteMessage(queue, required(entry, 'ReceiptHandle'));
        return { Id: entry.Id };
      });
    },
    ChangeMessageVisibility: (input: Input) => {
      const timeout = integer(input, 'VisibilityTimeout', 0, 43_200);
      if (timeout === undefined) throw sqsError.missingParameter('The request must contain the parameter VisibilityTimeout.');
      queues.changeVisibility(queueOf(input), required(input, 'ReceiptHandle'), timeout);
      return {};
    },
  };
}
