"""What moto 5.2.1 does differently from AWS when it deploys and runs the wirefeed stack, and the small patch for each.

Every patch wraps or replaces one moto hook and changes nothing else; ../README.md lists them with the reason.
The SQS event-source poller lives in sqs_event_sources.py, the host Lambda runtime in host_lambda.py.
"""

import json
import secrets
import string
import uuid
from collections.abc import Callable
from typing import Any

from moto.awslambda.models import LambdaBackend, LambdaFunction, LayerVersion, lambda_backends
from moto.cloudformation import parsing
from moto.cloudformation.custom_model import CustomModel
from moto.cloudformation.exceptions import ValidationError
from moto.cloudformation.models import CloudFormationBackend, Event, cloudformation_backends
from moto.cloudformation.responses import CloudFormationResponse
from moto.core.common_models import CloudFormationModel
from moto.sqs.models import Queue, sqs_backends


def apply(base_url: str, runtime: Any) -> None:
    depends_on_is_honoured()
    fifo_queue_names()
    queue_urls_on_the_emulator(base_url)
    stub_unsupported_types()
    custom_resources_reply_before_the_stack_goes_on(base_url)
    lambda_code_on_the_host(runtime)
    functions_keep_their_layers()
    no_invocation_inside_send_message()
    outputs_after_a_change_set()


# --- 0. CloudFormation creates a resource only after everything in its DependsOn. Moto's change sets create the
# new resources in template order and only follow Ref/GetAtt, so a DependsOn is ignored: create those first.


def depends_on_is_honoured() -> None:
    original = parsing.parse_and_create_resource

    def after_dependencies(logical_id: str, resource_json: dict[str, Any], resources_map: Any, *args: Any, **kw: Any):
        depends_on = resource_json.get("DependsOn") or []
        for dependency in [depends_on] if isinstance(depends_on, str) else depends_on:
            _ = resources_map[dependency]  # the resource map creates a resource when it is first looked up
        return original(logical_id, resource_json, resources_map, *args, **kw)

    parsing.parse_and_create_resource = after_dependencies


# --- 1. CloudFormation names FIFO queues `<stack>-<logical id>-<random>.fifo`; moto leaves the `.fifo` out and
# then refuses its own name. Append it when the template sets FifoQueue and no QueueName.


def fifo_queue_names() -> None:
    original = parsing.parse_resource_and_generate_name

    def with_fifo_suffix(logical_id: str, resource_json: dict[str, Any], resources_map: Any) -> Any:
        parsed = original(logical_id, resource_json, resources_map)
        if parsed is None or resource_json.get("Type") != "AWS::SQS::Queue":
            return parsed
        resource_class, cleaned, name = parsed
        properties = cleaned.get("Properties", {})
        if str(properties.get("FifoQueue")).lower() == "true" and "QueueName" not in properties:
            name = f"{name[: 80 - len('.fifo')]}.fifo"
        return resource_class, cleaned, name

    parsing.parse_resource_and_generate_name = with_fifo_suffix


# --- 2. A queue's Ref is its URL. Moto returns https://sqs.<region>.amazonaws.com/…, which the SDK (it sends each
# request to the host of its QueueUrl) would try to reach on the internet; return the emulator's URL instead.


def queue_urls_on_the_emulator(base_url: str) -> None:
    Queue.physical_resource_id = property(lambda queue: f"{base_url}/{queue.account_id}/{queue.name}")


# --- 3. Resource types moto's CloudFormation lacks are stubbed: created with an id and the attributes the stack
# reads, and nothing behind them (no distribution serves anything, no policy is enforced, no alarm evaluates).
# Without a stub moto skips the resource with a warning and any Ref or GetAtt to it resolves to nothing.
# Supporting another type is one entry here.


def _random_id(prefix: str, length: int = 13, alphabet: str = string.ascii_uppercase + string.digits) -> str:
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


def _distribution_domain(physical_id: str) -> str:
    return f"d{physical_id[1:].lower()}.cloudfront.net"


# type → (make a physical id, {attribute: value from the physical id}); Ref returns the physical id.
STUBBED_TYPES: dict[str, tuple[Callable[[], str], dict[str, Callable[[str], str]]]] = {
    "AWS::CloudFront::Distribution": (lambda: _random_id("E"), {"Id": str, "DomainName": _distribution_domain}),
    "AWS::CloudFront::OriginAccessControl": (lambda: _random_id("E"), {"Id": str}),
    "AWS::CloudFront::CachePolicy": (lambda: str(uuid.uuid4()), {"Id": str}),
    "AWS::CloudFront::ResponseHeadersPolicy": (lambda: str(uuid.uuid4()), {"Id": str}),
    # Accepted, not enforced: moto checks no resource policy and evaluates no alarm. The template assertions and
    # cdk-nag cover them (README, testing section).
    "AWS::S3::BucketPolicy": (lambda: _random_id("policy-"), {}),
    "AWS::SQS::QueuePolicy": (lambda: _random_id("policy-"), {}),
    "AWS::CloudWatch::Alarm": (lambda: _random_id("alarm-"), {"Arn": lambda pid: f"arn:aws:cloudwatch:::alarm:{pid}"}),
    "AWS::CDK::Metadata": (lambda: _random_id("metadata-"), {}),
    # The WebSub hub's HTTP API: nothing listens at its endpoint here; the test invokes HubFunction itself, with the
    # event the API would send.
    "AWS::ApiGatewayV2::Api": (
        lambda: _random_id("", 10, string.ascii_lowercase + string.digits),
        {"ApiId": str, "ApiEndpoint": lambda pid: f"https://{pid}.execute-api.us-east-1.amazonaws.com"},
    ),
    "AWS::ApiGatewayV2::Stage": (lambda: "$default", {}),
    "AWS::ApiGatewayV2::Integration": (lambda: _random_id("", 7, string.ascii_lowercase + string.digits), {}),
    "AWS::ApiGatewayV2::Route": (lambda: _random_id("", 7, string.ascii_lowercase + string.digits), {}),
}


class _Stub:
    """The CloudFormationModel contract for a stubbed type; `_type`, `_make_id` and `_attributes` come per type."""

    _type = ""
    _make_id: Callable[[], str] = staticmethod(lambda: "")
    _attributes: dict[str, Callable[[str], str]] = {}

    def __init__(self, physical_id: str) -> None:
        self._physical_id = physical_id

    @property
    def physical_resource_id(self) -> str:
        return self._physical_id

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""

    @classmethod
    def cloudformation_type(cls) -> str:
        return cls._type

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in cls._attributes

    def get_cfn_attribute(self, attribute_name: str) -> str:
        return self._attributes[attribute_name](self._physical_id)

    @classmethod
    def create_from_cloudformation_json(cls, resource_name: str, cloudformation_json: Any, *args: Any, **kwargs: Any):
        return cls(cls._make_id())

    @classmethod
    def update_from_cloudformation_json(cls, original_resource: Any, *args: Any, **kwargs: Any) -> Any:
        return original_resource

    @classmethod
    def delete_from_cloudformation_json(cls, *args: Any, **kwargs: Any) -> None:
        return None

    def is_created(self) -> bool:
        return True


def stub_unsupported_types() -> None:
    for resource_type, (make_id, attributes) in STUBBED_TYPES.items():
        name = "Stub" + resource_type.replace("::", "")
        # A direct subclass of CloudFormationModel: moto finds models through CloudFormationModel.__subclasses__().
        namespace = {"_type": resource_type, "_make_id": staticmethod(make_id), "_attributes": attributes}
        type(name, (_Stub, CloudFormationModel), namespace)
    for cached in (parsing.get_model_list, parsing.get_model_map, parsing.get_name_type_map):
        cached.cache_clear()


# --- 4. Custom resources. CloudFormation sends the handler its properties with every scalar as a string (moto
# sends JSON booleans and numbers, which CDK's handlers reject), waits for the reply before it creates what
# depends on the resource and before the stack completes (moto invokes in a background thread and completes the
# stack at once), and fails the stack when the reply is FAILED (moto ignores it and leaves the stack in progress).

_replies: dict[str, dict[str, Any]] = {}


def _as_cloudformation_strings(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        return {key: _as_cloudformation_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_as_cloudformation_strings(item) for item in value]
    return value


def _fail_stack(stack: Any, logical_id: str, resource_type: str, reason: str) -> None:
    creating = stack.status in ("CREATE_IN_PROGRESS", "REVIEW_IN_PROGRESS", "CREATE_PENDING")
    failed = "CREATE_FAILED" if creating else "UPDATE_FAILED"
    stack.events.append(Event(stack.stack_id, stack.name, logical_id, logical_id, resource_type, failed, reason, None))
    stack.status = "ROLLBACK_COMPLETE" if creating else "UPDATE_ROLLBACK_COMPLETE"
    stack._add_stack_event(stack.status, resource_status_reason=f"{logical_id} failed: {reason}")
    raise ValidationError(message=f"{logical_id} ({resource_type}) failed: {reason}")


def custom_resources_reply_before_the_stack_goes_on(base_url: str) -> None:
    def record_reply(self: Any) -> tuple[int, dict[str, int], str]:
        # Only recorded: the create below, which waits for this reply, applies it. Moto's own handler would also
        # re-check the stack's readiness, which re-enters the creation still waiting here.
        body = json.loads(self.body)
        _replies[body.get("RequestId", "")] = body
        return 200, {"status": 200}, "{}"

    def create(cls: Any, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any):
        logical_id, stack_id, resource_type = kwargs["LogicalId"], kwargs["StackId"], kwargs["ResourceType"]
        properties = _as_cloudformation_strings(cloudformation_json["Properties"])
        stack = cloudformation_backends[account_id][region_name].get_stack(stack_id)
        resource = CustomModel(region_name, str(uuid.uuid4()), logical_id, resource_name)
        stack.add_custom_resource(resource)
        event = {
            "RequestType": "Create",
            "ServiceToken": properties["ServiceToken"],
            "ResponseURL": f"{base_url}/cloudformation_{region_name}/cfnresponse?stack={stack_id}",
            "StackId": stack_id,
            "RequestId": resource.request_id,
            "LogicalResourceId": logical_id,
            "ResourceType": resource_type,
            "ResourceProperties": properties,
        }
        function = lambda_backends[account_id][region_name].get_function(properties["ServiceToken"])
        response_headers: dict[str, str] = {}
        payload = function.invoke(json.dumps(event), {}, response_headers)
        reply = _replies.pop(resource.request_id, None)
        if reply is None:
            detail = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else str(payload)
            _fail_stack(stack, logical_id, resource_type, f"the handler sent no reply ({detail[:500]})")
        elif reply.get("Status") != "SUCCESS":
            _fail_stack(stack, logical_id, resource_type, str(reply.get("Reason")))
        resource.set_data(reply.get("Data") or {})
        return resource

    CloudFormationResponse.process_cfn_response = record_reply
    CustomModel.create_from_cloudformation_json = classmethod(create)


# --- 5. Moto runs function code only in Docker and otherwise returns a canned reply; run the real code here.


def lambda_code_on_the_host(runtime: Any) -> None:
    def invoke_on_host(self: Any, event: Any = None) -> tuple[str, bool, str]:
        return runtime.invoke(self, {} if event is None else event)

    LambdaFunction._invoke_lambda = invoke_on_host


# --- 6. A function's Layers: moto's CloudFormation drops the property, and a LayerVersion's Ref is the model object
# instead of the layer version ARN. CDK's BucketDeployment handler needs its AWS CLI layer.


def functions_keep_their_layers() -> None:
    LayerVersion.physical_resource_id = property(lambda layer: layer.arn)
    original = LambdaFunction.create_from_cloudformation_json.__func__

    def create_with_layers(cls: Any, resource_name: str, cloudformation_json: Any, *args: Any, **kwargs: Any) -> Any:
        function = original(cls, resource_name, cloudformation_json, *args, **kwargs)
        layers = cloudformation_json["Properties"].get("Layers") or []
        if layers:
            function.layers = function._get_layers_data(layers)
        return function

    LambdaFunction.create_from_cloudformation_json = classmethod(create_with_layers)


# --- 7. Moto invokes an SQS-triggered function inside SendMessage, one message per call, and deletes or releases
# every message on the outcome, ignoring batchItemFailures. Detach its mappings from the queues; the poller in
# sqs_event_sources.py consumes them the way the Lambda service does.


def no_invocation_inside_send_message() -> None:
    original = LambdaBackend.create_event_source_mapping

    def create_detached(self: Any, spec: dict[str, Any]) -> Any:
        mapping = original(self, spec)
        for queue in sqs_backends[self.account_id][self.region_name].queues.values():
            queue.lambda_event_source_mappings.pop(mapping.function_arn, None)
        return mapping

    LambdaBackend.create_event_source_mapping = create_detached


# --- 8. A stack's Outputs: moto reads them from the template the stack had when it was created, which for a stack
# created by a change set (as `cdk deploy` creates it) is empty, so DescribeStacks lists none. Re-read them from
# the template the change set applied.


def outputs_after_a_change_set() -> None:
    original = CloudFormationBackend.execute_change_set

    def execute_then_read_outputs(self: Any, change_set_name: str, stack_name: str | None = None) -> None:
        original(self, change_set_name, stack_name)
        for change_set in self.change_sets.values():
            if change_set_name in (change_set.change_set_id, change_set.change_set_name):
                change_set.stack._parse_template()
                change_set.stack.output_map = change_set.stack._create_output_map()

    CloudFormationBackend.execute_change_set = execute_then_read_outputs
