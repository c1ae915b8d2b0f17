#!/usr/bin/python3
"""Execute a Jupyter notebook headlessly on a kernel (default: the Deno kernel), cell by cell.

    /usr/bin/python3 tools/run_notebook.py notebooks/smoke.ipynb out/notebooks/smoke.ipynb \
        [--kernel deno] [--cwd .] [--timeout 600] [--check-expect] [--linger 0.25]

Why not `jupyter nbconvert --execute`: the Deno kernel can send output on iopub *after* it has
reported `idle`, and nbconvert/nbclient then now and then drops that output. This runner keeps
reading iopub until there has been `--linger` seconds (default 0.25) of silence after idle.

For every code cell, in order: execute, collect outputs (stream, display_data, execute_result,
error, with clear_output and update_display_data honoured) into the notebook. Stops at the first
cell that errors. The executed notebook is written to the output path in all cases (also on
failure, so it can be inspected).

--check-expect: a code cell whose source has a comment line `// expect: <mime type>` (or
`# expect: <mime type>`) must have produced that MIME type in a display_data or execute_result
output, e.g. `// expect: image/svg+xml`, `// expect: application/vnd.vegalite.v5+json`,
`// expect: text/html`. Several such lines: each must be met.

Cells are numbered from 1 in the order they appear in the notebook, markdown cells included.

Exit status: 0 when every code cell ran without error (and met its expectations); 1 when a cell
failed, timed out or the kernel died; 2 on bad usage or an unreadable notebook. The reason is
printed on stderr, e.g. "run_notebook: notebooks/x.ipynb: cell 7 expected
application/vnd.vegalite.v5+json, got text/plain".
"""

from __future__ import annotations

import argparse
import os
import queue
import re
import sys
import tempfile
import time
import uuid
import warnings
from datetime import datetime, timezone

import nbformat
from jupyter_client.manager import KernelManager

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
EXPECT = re.compile(r"^\s*(?://|#)\s*expect:\s*(\S+)\s*$", re.MULTILINE)


class CellFailure(Exception):
    pass


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")


def strip_ansi(text: str) -> str:
    return ANSI.sub("", text)


def first_line(source: str) -> str:
    for line in source.splitlines():
        if line.strip():
            return line.strip()[:80]
    return ""


class OutputCollector:
    """Builds a cell's nbformat outputs from iopub messages."""

    def __init__(self) -> None:
        self.outputs: list = []
        self.clear_pending = False
        self.execution_count = None
        self.display_ids: list = []  # (display_id, output) for update_display_data

    def _add(self, out) -> None:
        if self.clear_pending:
            self.outputs.clear()
            self.clear_pending = False
        if out.output_type == "stream" and self.outputs:
            last = self.outputs[-1]
            if last.output_type == "stream" and last.name == out.name:
                last.text += out.text
                return
        self.outputs.append(out)

    def handle(self, msg) -> None:
        kind = msg["header"]["msg_type"]
        content = msg["content"]
        if kind == "stream":
            self._add(nbformat.v4.new_output("stream", name=content["name"], text=content["text"]))
        elif kind == "display_data":
            out = nbformat.v4.new_output(
                "display_data", data=content.get("data", {}), metadata=content.get("metadata", {})
            )
            display_id = (content.get("transient") or {}).get("display_id")
            if display_id:
                self.display_ids.append((display_id, out))
            self._add(out)
        elif kind == "update_display_data":
            display_id = (content.get("transient") or {}).get("display_id")
            for known, out in self.display_ids:
                if display_id and known == display_id:
                    out.data = content.get("data", {})
                    out.metadata = content.get("metadata", {})
        elif kind == "execute_result":
            self.execution_count = content.get("execution_count", self.execution_count)
            self._add(
                nbformat.v4.new_output(
                    "execute_result",
                    data=content.get("data", {}),
                    metadata=content.get("metadata", {}),
                    execution_count=content.get("execution_count"),
                )
            )
        elif kind == "error":
            self._add(
                nbformat.v4.new_output(
                    "error",
                    ename=content.get("ename", ""),
                    evalue=content.get("evalue", ""),
                    traceback=content.get("traceback", []),
                )
            )
        elif kind == "clear_output":
            if content.get("wait"):
                self.clear_pending = True
            else:
                self.outputs.clear()
                self.clear_pending = False
        elif kind == "execute_input":
            self.execution_count = content.get("execution_count", self.execution_count)

    def finish(self) -> list:
        return self.outputs

    def mime_types(self) -> list:
        seen: list = []
        for out in self.outputs:
            if out.output_type in ("display_data", "execute_result"):
                for mime in out.get("data", {}):
                    if mime not in seen:
                        seen.append(mime)
            elif out.output_type == "stream" and "stream" not in seen:
                seen.append("stream")
        return seen


def run_cell(km, kc, source: str, timeout: float, linger: float):
    """Runs one cell; returns (collector, reply_content)."""
    collector = OutputCollector()
    msg_id = kc.execute(source, store_history=True, allow_stdin=False, stop_on_error=True)
    deadline = time.monotonic() + timeout
    idle_at = None
    reply = None
    while True:
        t = time.monotonic()
        if t > deadline:
            km.interrupt_kernel()
            raise CellFailure(f"timed out after {timeout:g} s")
        if idle_at is not None:
            wait = linger - (t - idle_at)
            if wait <= 0 and reply is not None:
                break
            wait = max(wait, 0.05)
        else:
            wait = 1.0
        try:
            msg = kc.get_iopub_msg(timeout=min(wait, max(deadline - t, 0.01)))
        except queue.Empty:
            if reply is None:
                reply = _poll_reply(kc, msg_id)
            if idle_at is None and not km.is_alive():
                raise CellFailure("the kernel died")
            continue
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        if msg["header"]["msg_type"] == "status":
            if msg["content"].get("execution_state") == "idle":
                idle_at = time.monotonic()
            continue
        collector.handle(msg)
        if idle_at is not None:
            idle_at = time.monotonic()  # late output: restart the silence window
    if reply is None:
        reply = _poll_reply(kc, msg_id, wait=max(deadline - time.monotonic(), 1.0))
    return collector, reply or {}


def _poll_reply(kc, msg_id, wait: float = 0.0):
    end = time.monotonic() + wait
    while True:
        try:
            msg = kc.get_shell_msg(timeout=max(min(end - time.monotonic(), 1.0), 0.01))
        except queue.Empty:
            if time.monotonic() >= end:
                return None
            continue
        if msg.get("parent_header", {}).get("msg_id") == msg_id:
            return msg["content"]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", help="notebook to execute (.ipynb)")
    ap.add_argument("output", help="where to write the executed notebook")
    ap.add_argument("--kernel", default=None, help="kernel name (default: the notebook's, else deno)")
    ap.add_argument("--cwd", default=".", help="working directory of the kernel (default: .)")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per cell (default 600)")
    ap.add_argument("--startup-timeout", type=float, default=120.0, help="kernel start, seconds")
    ap.add_argument("--linger", type=float, default=0.25,
                    help="seconds of iopub silence to wait for after idle (default 0.25)")
    ap.add_argument("--check-expect", action="store_true",
                    help="fail a cell whose '// expect: <mime>' line is not met")
    ap.add_argument("--quiet", action="store_true", help="no per-cell progress lines")
    args = ap.parse_args(argv)

    label = args.input
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # MissingIDFieldWarning: ids are added below
            nb = nbformat.read(args.input, as_version=4)
        for cell in nb.cells:
            if "id" not in cell:
                cell["id"] = uuid.uuid4().hex[:8]
    except Exception as e:  # noqa: BLE001
        print(f"run_notebook: {label}: cannot read notebook: {e}", file=sys.stderr)
        return 2

    kernel_name = args.kernel or nb.metadata.get("kernelspec", {}).get("name") or "deno"
    kernel_log = tempfile.NamedTemporaryFile(
        prefix="run_notebook_kernel_", suffix=".log", delete=False
    )
    km = KernelManager(kernel_name=kernel_name)
    kc = None
    failure = None
    code_cells = 0
    t_start = time.monotonic()
    try:
        try:
            km.start_kernel(cwd=os.path.abspath(args.cwd), stdout=kernel_log, stderr=kernel_log)
        except Exception as e:  # noqa: BLE001
            print(f"run_notebook: {label}: cannot start kernel {kernel_name!r}: {e}",
                  file=sys.stderr)
            return 1
        kc = km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=args.startup_timeout)
        except Exception as e:  # noqa: BLE001
            failure = f"kernel {kernel_name!r} did not become ready: {e}"
        for index, cell in enumerate(nb.cells, start=1):
            if failure:
                break
            if cell.cell_type != "code" or not cell.source.strip():
                if cell.cell_type == "code":
                    cell.outputs = []
                    cell.execution_count = None
                continue
            code_cells += 1
            where = f"cell {index} ({first_line(cell.source)!r})"
            t0 = time.monotonic()
            started = now_iso()
            try:
                collector, reply = run_cell(km, kc, cell.source, args.timeout, args.linger)
            except CellFailure as e:
                failure = f"{where}: {e}"
                break
            cell.outputs = collector.finish()
            cell.execution_count = reply.get("execution_count", collector.execution_count)
            cell.metadata["execution"] = {
                "shell.execute_reply.started": started,
                "shell.execute_reply": now_iso(),
            }
            seconds = time.monotonic() - t0
            errors = [o for o in cell.outputs if o.output_type == "error"]
            if errors or reply.get("status") == "error":
                err = errors[0] if errors else reply
                text = strip_ansi(f"{err.get('ename', '')}: {err.get('evalue', '')}").strip(": ")
                tb = strip_ansi("\n".join(err.get("traceback", []) or []))
                failure = f"{where} failed: {text or 'error'}"
                if tb and tb.strip() != text:
                    failure += "\n" + tb
                break
            if args.check_expect:
                got = collector.mime_types()
                for want in EXPECT.findall(cell.source):
                    if want not in got:
                        failure = (f"cell {index} expected {want}, got "
                                   f"{', '.join(got) if got else 'no output'}")
                        break
                if failure:
                    break
            if not args.quiet:
                print(f"  cell {index}: ok ({seconds:.2f} s)", file=sys.stderr)
    finally:
        try:
            os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
            nbformat.write(nb, args.output)
        except Exception as e:  # noqa: BLE001
            print(f"run_notebook: {label}: cannot write {args.output}: {e}", file=sys.stderr)
            failure = failure or f"cannot write {args.output}"
        if kc is not None:
            kc.stop_channels()
        try:
            km.shutdown_kernel(now=False)
        except Exception:  # noqa: BLE001
            try:
                km.shutdown_kernel(now=True)
            except Exception:  # noqa: BLE001
                pass
        kernel_log.close()

    seconds = time.monotonic() - t_start
    if failure:
        print(f"run_notebook: {label}: {failure}", file=sys.stderr)
        try:
            with open(kernel_log.name, encoding="utf-8", errors="replace") as f:
                noise = ("XDG_RUNTIME_DIR", "is unstable and might change")
                tail = [ln for ln in f.read().splitlines()
                        if ln.strip() and not any(n in ln for n in noise)][-20:]
            if tail:
                print("run_notebook: kernel log (last lines):\n  " + "\n  ".join(tail),
                      file=sys.stderr)
        except OSError:
            pass
        os.unlink(kernel_log.name)
        print(f"RESULT failed cells={code_cells} seconds={seconds:.2f}")
        return 1
    os.unlink(kernel_log.name)
    print(f"RESULT ok cells={code_cells} seconds={seconds:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
