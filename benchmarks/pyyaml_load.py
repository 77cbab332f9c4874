"""PyYAML's C loader on a file: prints "bytes=N seconds=S" like the other two YAML readers (run by run.sh)."""
import os
import sys
import time

import yaml

path = sys.argv[1]
start = time.perf_counter()
with open(path, "rb") as f:
    data = yaml.load(f, Loader=yaml.CSafeLoader)
seconds = time.perf_counter() - start
if data is None:
    sys.exit(f"{path}: no document")
print(f"bytes={os.path.getsize(path)} seconds={seconds:.6f}")
