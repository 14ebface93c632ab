"""Runs PlmKit's notebooks in the Jupyter kernel that VS Code and Jupyter use, checks them and
renders them to HTML.

    /usr/bin/python3 notebooks/render.py --out results/notebooks [--html] [--jobs 2] [NAME.ipynb ...]

Each notebook (default: every notebooks/*.ipynb; a bare name is looked up there) is executed headless in the `.net-csharp` kernel
(`dotnet interactive jupyter install`, done by environment/setup.sh) with nbclient, from the
notebooks folder (so its NuGet.config finds the local PlmKit.Interactive feed), and written
executed to OUT/NAME.ipynb. With --html it is also rendered to OUT/NAME.html beside a copy of
the local plotly.min.js, which every page loads first, so the charts draw offline without a kernel.

A notebook fails when a cell raises, writes to stderr or shows nothing (every code cell of these
notebooks ends in a value to show). The exit code is 1 when one failed, and every failure is
printed as `FAIL NAME: cell N: ...`; the others are still written. Data and models come from the
environment as for a user: PLMKIT_DATA_DIR, PLMKIT_NOTEBOOK_MODEL, PLMKIT_NOTEBOOK_MODELS.

Needs Debian's python3-nbconvert and python3-jupyter-client (environment/system-packages.sh);
run it with /usr/bin/python3, which has them.
"""
import argparse
import concurrent.futures
import functools
import json
import os
import random
import re
import shutil
import sys
import tempfile
import time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
KERNEL = ".net-csharp"
PLOTLY = os.path.join(ROOT, "tools", "plotly", "node_modules", "plotly.js-dist-min", "plotly.min.js")
# The kernel's own outputs of the first cell: a script probing its HTTP port from the page, and
# "Loading extensions from `<NuGet cache path>`" lines: useless, and noisy, in a static page.
KERNEL_PROBE = "dotnet-interactive-this-cell"
KERNEL_LOADING = "Loading extensions from `"
JUPYTER_PATH = os.environ.get("JUPYTER_PATH", "")


def problems_of(nb):
    """Every error output, stderr stream and silent code cell, as 'cell N: ...' lines."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if not cell.outputs:
            found.append(f"cell {i} shows nothing:\n{cell.source}")
        for out in cell.outputs:
            if out.output_type == "error":
                found.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
            elif out.output_type == "stream" and out.get("name") == "stderr":
                found.append(f"cell {i} wrote to stderr: {out.get('text')}")
    return found


def private_kernel():
    """
    A copy of the installed .net-csharp kernelspec, in a folder of its own added to JUPYTER_PATH,
    whose HTTP ports are a random range of 50 on the local interface only: every kernel started
    with the installed spec tries ports from 2048 up, and two starting at once (two notebooks here,
    or anyone else's) die with "address already in use".
    """
    from jupyter_client.kernelspec import KernelSpecManager
    spec = KernelSpecManager().get_kernel_spec(KERNEL)
    argv = list(spec.argv)
    if "--http-port-range" in argv:
        del argv[argv.index("--http-port-range"):argv.index("--http-port-range") + 2]
    first = random.randrange(20000, 60000)
    argv += ["--http-port-range", f"{first}-{first + 49}", "--http-local-only"]
    folder = tempfile.mkdtemp(prefix="plmkit-kernel-")
    name = "plmkit-net-csharp"
    os.makedirs(os.path.join(folder, "kernels", name))
    with open(os.path.join(folder, "kernels", name, "kernel.json"), "w") as f:
        json.dump({"argv": argv, "display_name": spec.display_name, "language": spec.language}, f)
    os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in [folder, JUPYTER_PATH] if p)
    return name, folder


def locate(name):
    """A bare file name is a notebook in notebooks/; anything else, a path."""
    return os.path.join(HERE, name) if os.path.basename(name) == name else os.path.abspath(name)


def execute(path, out_dir, timeout):
    """Executes the notebook at PATH in the kernel, from notebooks/; writes OUT/NAME; returns (NAME, seconds, problems)."""
    start = time.time()
    name = os.path.basename(path)
    nb = nbformat.read(path, as_version=4)
    try:
        kernel, folder = private_kernel()
    except Exception as e:   # no kernelspec: nothing can run
        return name, 0.0, [f"the {KERNEL} kernel is not installed (dotnet interactive jupyter install): {e}"]
    client = NotebookClient(nb, kernel_name=kernel, timeout=timeout, allow_errors=True,
                            resources={"metadata": {"path": HERE}})
    problems = []
    try:
        client.execute()
    except CellExecutionError as e:   # allow_errors keeps going; this is a kernel that died
        problems.append(str(e))
    except Exception as e:            # the kernel did not start, or a cell ran past the timeout
        problems.append(f"{type(e).__name__}: {e}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    problems += problems_of(nb)
    nbformat.write(nb, os.path.join(out_dir, name))
    return name, time.time() - start, problems


def render_html(name, out_dir):
    """Renders the executed OUT/NAME to OUT/NAME.html (without the kernel's own messages) loading ./plotly.min.js first."""
    from nbconvert import HTMLExporter
    nb = nbformat.read(os.path.join(out_dir, name), as_version=4)

    def kernel_message(output):
        data = output.get("data", {})
        return KERNEL_PROBE in str(data.get("text/html", "")) or str(data.get("text/plain", "")).startswith(KERNEL_LOADING)

    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not kernel_message(o)]
    exporter = HTMLExporter(template_name="lab")
    html, _ = exporter.from_notebook_node(nb)
    # require.js (a CDN link in the template) would make plotly a module instead of window.Plotly.
    html = re.sub(r'<script[^>]*require\.js[^>]*></script>', "", html)
    html = html.replace("<head>", '<head>\n<script src="plotly.min.js"></script>', 1)
    with open(os.path.join(out_dir, os.path.splitext(name)[0] + ".html"), "w", encoding="utf-8") as f:
        f.write(html)


def main():
    parser = argparse.ArgumentParser(description="Run PlmKit's notebooks in the Jupyter kernel; check them; render HTML.")
    parser.add_argument("--out", required=True, help="folder for the executed notebooks (and HTML)")
    parser.add_argument("--html", action="store_true", help="also render NAME.html beside a copy of plotly.min.js")
    parser.add_argument("--jobs", type=int, default=2, help="notebooks run at once (default 2)")
    parser.add_argument("--timeout", type=int, default=600, help="seconds a cell may run (default 600)")
    parser.add_argument("names", nargs="*", help="notebooks: file names in notebooks/ or paths (default: all of notebooks/)")
    args = parser.parse_args()

    paths = [locate(n) for n in args.names] or sorted(os.path.join(HERE, n) for n in os.listdir(HERE) if n.endswith(".ipynb"))
    missing = [p for p in paths if not os.path.isfile(p)]
    if missing:
        print(f"error: no such notebook: {', '.join(missing)}", file=sys.stderr)
        return 2
    if len({os.path.basename(p) for p in paths}) < len(paths):
        print("error: two notebooks of the same file name would overwrite each other in --out", file=sys.stderr)
        return 2
    plotly = os.environ.get("PLMKIT_PLOTLY_JS") or PLOTLY
    if args.html and not os.path.isfile(plotly):
        print(f"error: plotly.js not found at {plotly}: run environment/figures-setup.sh or set PLMKIT_PLOTLY_JS", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)

    failed = False
    # Processes, not threads: nbclient drives each kernel from an event loop of its own.
    with concurrent.futures.ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for name, seconds, problems in pool.map(functools.partial(execute, out_dir=args.out, timeout=args.timeout), paths):
            if problems:
                failed = True
                for p in problems:
                    print(f"FAIL {name}: {p}")
            else:
                print(f"ok {name} {seconds:.0f} s")
            if args.html:
                render_html(name, args.out)
    if args.html:
        shutil.copyfile(plotly, os.path.join(args.out, "plotly.min.js"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
