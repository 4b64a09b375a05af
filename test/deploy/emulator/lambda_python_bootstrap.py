"""Calls a Python Lambda handler the way the Lambda runtime does, for CDK's custom-resource handlers.

Usage: python3 lambda_python_bootstrap.py TASK_DIR OPT_DIR HANDLER EVENT_FILE RESULT_FILE

The task directory and the layers' `python/` directory go on sys.path, as in Lambda. Lambda mounts layers at
/opt; here they are unzipped to OPT_DIR, so a command under /opt that the handler runs (BucketDeployment runs
`/opt/awscli/aws`, the AWS CLI layer) is run from OPT_DIR instead, with this interpreter when it is a Python
script. Writes the handler's result, or the error as Lambda reports it, as JSON to RESULT_FILE.
"""

import faulthandler
import importlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
import traceback

faulthandler.register(signal.SIGUSR1)
task_dir, opt_dir, handler_setting, event_file, result_file = sys.argv[1:6]
sys.path[:0] = [task_dir, os.path.join(opt_dir, "python")]


def _on_host(args):
    if isinstance(args, (list, tuple)) and args and str(args[0]).startswith("/opt/"):
        program = os.path.join(opt_dir, str(args[0])[len("/opt/") :])
        with open(program, "rb") as file:
            is_python = b"python" in file.readline()
        return [sys.executable, program, *args[1:]] if is_python else [program, *args[1:]]
    return args


class _HostPopen(subprocess.Popen):
    def __init__(self, args, *rest, **kwargs):
        super().__init__(_on_host(args), *rest, **kwargs)


subprocess.Popen = _HostPopen


class Context:
    def __init__(self):
        self.aws_request_id = os.environ["WIREFEED_EMULATOR_REQUEST_ID"]
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.memory_limit_in_mb = os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.invoked_function_arn = f"arn:aws:lambda:{os.environ['AWS_REGION']}:000000000000:function:{self.function_name}"
        self._deadline = time.monotonic() + float(os.environ["AWS_LAMBDA_FUNCTION_TIMEOUT"])

    def get_remaining_time_in_millis(self):
        return max(int((self._deadline - time.monotonic()) * 1000), 0)


def main():
    # The Lambda runtime gives the root logger a handler; CDK's handlers log through it.
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    module_name, function_name = handler_setting.rsplit(".", 1)
    try:
        handler = getattr(importlib.import_module(module_name), function_name)
        with open(event_file, encoding="utf-8") as file:
            event = json.load(file)
        result, failed = handler(event, Context()), False
    except Exception as error:
        traceback.print_exc()
        result = {"errorType": type(error).__name__, "errorMessage": str(error), "stackTrace": traceback.format_exc().splitlines()}
        failed = True
    with open(result_file, "w", encoding="utf-8") as file:
        json.dump(result, file)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
