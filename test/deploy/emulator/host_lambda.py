"""Runs a moto Lambda function's real code on this machine instead of in Docker.

Lambda unzips a function into /var/task and its layers into /opt, then calls the handler with the event and a
context. Here the code and layers are unzipped into a scratch directory (once per content hash) and a bootstrap
beside this file imports the handler and calls it: Node.js bundles with the given `node` (the one running the
tests: Node 20, while the deployed runtime is Node 24), Python handlers with this interpreter (CDK's
custom-resource handlers; the deployed runtime is Python 3.13), /opt paths mapped to the unzipped layers.

The environment is what Lambda sets (region, function name, memory, handler, task root) plus the function's own
variables, dummy credentials and AWS_ENDPOINT_URL pointing at the emulator; nothing from the host's environment
but PATH reaches the code. The function's Timeout is enforced.
"""

import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import uuid
import zipfile
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_BOOTSTRAP = os.path.join(HERE, "lambda-node-bootstrap.mjs")
PYTHON_BOOTSTRAP = os.path.join(HERE, "lambda_python_bootstrap.py")


class HostLambdaRuntime:
    def __init__(self, workdir: str, node: str, base_url: str, extra_env: dict[str, str]):
        self.workdir = workdir
        self.node = node
        self.base_url = base_url
        self.extra_env = extra_env
        self._unzip_lock = threading.Lock()

    def invoke(self, fn: Any, event: Any) -> tuple[str, bool, str]:
        """Moto's `_invoke_lambda` contract: (response payload, whether the invocation errored, log text)."""
        runtime = fn.run_time or ""
        if runtime.startswith("nodejs"):
            command = [self.node, NODE_BOOTSTRAP]
        elif runtime.startswith("python"):
            command = [sys.executable, PYTHON_BOOTSTRAP]
        else:
            return json.dumps({"errorType": "Runtime.Unsupported", "errorMessage": runtime}), True, ""
        task_dir = self._unzipped("code", fn.code_bytes)
        opt_dir = self._unzipped_layers(fn)
        request_id = str(uuid.uuid4())
        with tempfile.TemporaryDirectory(dir=self.workdir) as scratch:
            event_path = os.path.join(scratch, "event.json")
            result_path = os.path.join(scratch, "result.json")
            with open(event_path, "w", encoding="utf-8") as file:
                json.dump(event, file)
            env = self._environment(fn, task_dir, opt_dir, request_id, scratch)
            args = [*command, task_dir, opt_dir, fn.handler, event_path, result_path]
            try:
                done = subprocess.run(args, env=env, capture_output=True, timeout=int(fn.timeout), cwd=task_dir)
            except subprocess.TimeoutExpired as expired:
                logs = ((expired.stdout or b"") + (expired.stderr or b"")).decode("utf-8", "replace")
                self._echo(fn.function_name, request_id, logs)
                message = f"Task timed out after {fn.timeout} seconds"
                return json.dumps({"errorType": "Sandbox.Timedout", "errorMessage": message}), True, logs
            logs = (done.stdout + done.stderr).decode("utf-8", "replace")
            self._echo(fn.function_name, request_id, logs)
            if not os.path.exists(result_path):
                message = f"the runtime exited with {done.returncode} before the handler returned"
                return json.dumps({"errorType": "Runtime.ExitError", "errorMessage": message}), True, logs
            with open(result_path, encoding="utf-8") as file:
                return file.read(), done.returncode != 0, logs

    def _environment(self, fn: Any, task_dir: str, opt_dir: str, request_id: str, scratch: str) -> dict[str, str]:
        region = fn.region
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "HOME": scratch,
            "TMPDIR": scratch,
            "LAMBDA_TASK_ROOT": task_dir,
            "LAMBDA_RUNTIME_DIR": HERE,
            "_HANDLER": fn.handler,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.run_time}",
            "AWS_LAMBDA_FUNCTION_NAME": fn.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory_size),
            "AWS_LAMBDA_FUNCTION_TIMEOUT": str(fn.timeout),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{fn.function_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": f"host/{request_id}",
            "WIREFEED_EMULATOR_REQUEST_ID": request_id,
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            "AWS_ACCESS_KEY_ID": "emulator",
            "AWS_SECRET_ACCESS_KEY": "emulator",
            "AWS_SESSION_TOKEN": "emulator",
            "AWS_ENDPOINT_URL": self.base_url,
            "AWS_EC2_METADATA_DISABLED": "true",
            # Never read the host's AWS configuration or credentials.
            "AWS_CONFIG_FILE": os.path.join(scratch, "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(scratch, "aws-credentials"),
            "AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED": "true",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        env.update({key: str(value) for key, value in (fn.environment_vars or {}).items()})
        env.update(self.extra_env)
        return env

    def _unzipped(self, kind: str, data: bytes) -> str:
        target = os.path.join(self.workdir, kind, hashlib.sha256(data).hexdigest()[:16])
        with self._unzip_lock:
            if not os.path.isdir(target):
                partial = f"{target}.partial"
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    archive.extractall(partial)
                _restore_modes(partial, data)
                os.rename(partial, target)
        return target

    def _unzipped_layers(self, fn: Any) -> str:
        """All the function's layers in one directory, in order, as Lambda merges them into /opt."""
        from moto.awslambda.models import lambda_backends

        backend = lambda_backends[fn.account_id][fn.region]
        layers = [backend.layers_versions_by_arn(layer["Arn"]).code_bytes for layer in fn.layers]
        if not layers:
            os.makedirs(os.path.join(self.workdir, "opt-empty"), exist_ok=True)
            return os.path.join(self.workdir, "opt-empty")
        return self._merged_layers(layers)

    def _merged_layers(self, layers: list[bytes]) -> str:
        key = hashlib.sha256(b"".join(hashlib.sha256(layer).digest() for layer in layers)).hexdigest()[:16]
        target = os.path.join(self.workdir, "opt", key)
        with self._unzip_lock:
            if not os.path.isdir(target):
                partial = f"{target}.partial"
                for layer in layers:
                    with zipfile.ZipFile(io.BytesIO(layer)) as archive:
                        archive.extractall(partial)
                    _restore_modes(partial, layer)
                os.rename(partial, target)
        return target

    @staticmethod
    def _echo(function_name: str, request_id: str, logs: str) -> None:
        for line in logs.splitlines():
            print(f"[{function_name} {request_id[:8]}] {line}", file=sys.stderr, flush=True)


def _restore_modes(directory: str, data: bytes) -> None:
    """zipfile drops Unix permissions; Lambda keeps them (the AWS CLI layer's `aws` must stay executable)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            mode = info.external_attr >> 16
            if mode & 0o777:
                os.chmod(os.path.join(directory, info.filename), mode & 0o777)
