"""Consumes the queues of SQS event source mappings the way the Lambda service does, instead of moto's
invoke-inside-SendMessage (detached in adaptations.py).

One poller per mapping, through the emulator's own SQS API:
- ReceiveMessage with the queue's visibility timeout, up to BatchSize messages, waiting up to
  MaximumBatchingWindowInSeconds for a fuller batch; the records carry Lambda's SQS event shape and attributes
  (ApproximateReceiveCount, and MessageGroupId/SequenceNumber on FIFO queues);
- a function error leaves the whole batch on the queue, to come back when its visibility timeout ends;
- with ReportBatchItemFailures, only the reported messages stay (a response that names an unknown message, or is
  not a batch response, fails the whole batch); every other message is deleted;
- a message whose visibility the function changed comes back when the function said, and the queue's redrive
  policy moves it to the dead-letter queue once its receive count reaches maxReceiveCount (moto does that part);
- FIFO: moto hands out a message group to one receiver at a time, so a group stays in order.
One poller per mapping means at most one invocation per mapping at a time, within any MaximumConcurrency.
"""

import json
import sys
import threading
import time
from typing import Any

import boto3
from botocore.config import Config
from moto.awslambda.models import lambda_backends
from moto.core import DEFAULT_ACCOUNT_ID

LAMBDA_RECORD_ATTRIBUTES = (
    "ApproximateReceiveCount",
    "SentTimestamp",
    "SenderId",
    "ApproximateFirstReceiveTimestamp",
    "SequenceNumber",
    "MessageGroupId",
    "MessageDeduplicationId",
    "AWSTraceHeader",
)


class Pollers:
    def __init__(self, base_url: str, region: str) -> None:
        self._base_url = base_url
        self._region = region
        self._stop = threading.Event()
        self._started: set[str] = set()
        self._sqs = boto3.client(
            "sqs",
            endpoint_url=base_url,
            region_name=region,
            aws_access_key_id="emulator",
            aws_secret_access_key="emulator",
            config=Config(retries={"max_attempts": 2}),
        )
        threading.Thread(target=self._discover, daemon=True, name="mappings").start()

    def stop(self) -> None:
        self._stop.set()

    def _discover(self) -> None:
        """Starts a poller for each SQS mapping as CloudFormation creates it."""
        backend = lambda_backends[DEFAULT_ACCOUNT_ID][self._region]
        while not self._stop.wait(0.5):
            for mapping in backend.list_event_source_mappings(None, None):
                if mapping.uuid in self._started or ":sqs:" not in mapping.event_source_arn:
                    continue
                self._started.add(mapping.uuid)
                threading.Thread(target=self._poll, args=(mapping,), daemon=True, name=mapping.uuid).start()

    def _poll(self, mapping: Any) -> None:
        _, _, _, region, account, queue_name = mapping.event_source_arn.split(":")
        queue_url = f"{self._base_url}/{account}/{queue_name}"
        while not self._stop.is_set():
            try:
                if not mapping.enabled:
                    self._stop.wait(1)
                    continue
                batch = self._receive_batch(queue_url, mapping)
                if batch:
                    self._invoke(mapping, lambda_backends[account][region], region, queue_url, batch)
            except Exception as error:  # a poller keeps polling, as Lambda's does; the error is shown
                print(f"[poller {queue_name}] {type(error).__name__}: {error}", file=sys.stderr, flush=True)
                self._stop.wait(1)

    def _receive_batch(self, queue_url: str, mapping: Any) -> list[dict[str, Any]]:
        size = int(mapping.batch_size)
        window = float(mapping.max_batch_window or 0)
        batch: list[dict[str, Any]] = []
        started = time.monotonic()
        while len(batch) < size and not self._stop.is_set():
            remaining = window - (time.monotonic() - started)
            received = self._sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=min(10, size - len(batch)),
                WaitTimeSeconds=1 if not batch else max(0, min(1, int(remaining))),
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            batch.extend(received)
            if not batch or time.monotonic() - started >= window:
                break
            if not received:
                self._stop.wait(0.1)
        return batch

    def _invoke(self, mapping: Any, backend: Any, region: str, queue_url: str, batch: list[dict[str, Any]]) -> None:
        event = {"Records": [_record(message, mapping.event_source_arn, region) for message in batch]}
        response_headers: dict[str, str] = {}
        payload = backend.invoke(mapping.function_arn, None, json.dumps(event), {}, response_headers)
        ids = [message["MessageId"] for message in batch]
        if "x-amz-function-error" in response_headers:
            failed = set(ids)
        elif "ReportBatchItemFailures" in (mapping.function_response_types or []):
            failed = _reported_failures(payload, set(ids))
        else:
            failed = set()
        done = [message for message in batch if message["MessageId"] not in failed]
        for start in range(0, len(done), 10):
            entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(done[start : start + 10])]
            self._sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries)


def _record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    attributes = message.get("Attributes", {})
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message["Body"],
        "attributes": {key: attributes[key] for key in LAMBDA_RECORD_ATTRIBUTES if key in attributes},
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message["MD5OfBody"],
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }


def _reported_failures(payload: Any, ids: set[str]) -> set[str]:
    """Lambda's reading of a batch response: null, {} or an empty list is full success; anything it cannot read,
    or an identifier that is not in the batch, fails the whole batch."""
    try:
        response = json.loads(payload or "null")
    except (TypeError, ValueError):
        return ids
    if response is None:
        return set()
    if not isinstance(response, dict):
        return ids
    items = response.get("batchItemFailures")
    if items is None:
        return set()
    if not isinstance(items, list):
        return ids
    failed: set[str] = set()
    for item in items:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not identifier or identifier not in ids:
            return ids
        failed.add(identifier)
    return failed


def start(base_url: str, region: str) -> Pollers:
    return Pollers(base_url, region)
