/**
 * The PublishQueue as the PublishFunction writes to it: a continuation message for a run that did not fit in one
 * invocation, in the queue's one message group, so it is received after every change already waiting and before
 * any that arrives later (docs/ARCHITECTURE.md, "AWS flow").
 */
import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { QueueError } from '../core/errors.ts';
import { type Clock, systemClock } from '../core/ports.ts';
import { continuationBody, PUBLISH_MESSAGE_GROUP } from '../core/publish-messages.ts';

export class SqsPublishQueue {
  readonly #client: SQSClient;
  readonly #queueUrl: string;
  readonly #clock: Clock;

  constructor(options: { readonly client: SQSClient; readonly queueUrl: string; readonly clock?: Clock }) {
    this.#client = options.client;
    this.#queueUrl = options.queueUrl;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Asks for another invocation to go on with run `run`. The body carries the time it was sent, so the queue's
   * content-based deduplication never drops the continuation of a later invocation of the same run.
   * @throws QueueError when SQS refuses it (the caller fails its batch, whose retry continues the run all the same).
   */
  async continueRun(run: string | null): Promise<void> {
    try {
      await this.#client.send(
        new SendMessageCommand({
          QueueUrl: this.#queueUrl,
          MessageBody: continuationBody(run, this.#clock.now().toISOString()),
          MessageGroupId: PUBLISH_MESSAGE_GROUP,
        }),
      );
    } catch (error) {
      throw new QueueError('SendMessage', this.#queueUrl, (error as Error).message, { cause: error, retryable: true });
    }
  }
}
