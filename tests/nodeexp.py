#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""The real node_exporter, started here on 127.0.0.1 on a free port and
stopped at the end, for the tests that need it.

Usage:
  nodeexp.py load "WRITER_LOAD" [NSERIES [SCRAPES]]
  nodeexp.py load "SHARED_LOAD churn" [NSERIES [SCRAPES]]
      A writer_load process (or a shared_load daemon, whose workers come
      and go) rewrites a textfile of NSERIES series every 10 ms while
      node_exporter (only the textfile collector) is scraped SCRAPES
      times. Every scrape must have every series and
      node_textfile_scrape_error 0, the file must have been rewritten
      while the scrapes went on, and node_exporter must log no error.
  nodeexp.py verdict PATH...
      What node_exporter makes of each PATH, a .prom file or a directory
      of them (read as its textfile directory; symbolic links in it are
      copied as links, subdirectories as empty ones): one line per PATH,
      "VERDICT PATH [| what it logged]", VERDICT being
        ok       read without an error,
        refused  a file refused (node_textfile_scrape_error 1),
        dropped  read, but samples dropped at the scrape (an error logged
                 while gathering: duplicates, HELP or TYPE conflicts,
                 collisions, also with node_exporter's own metrics),
        crashed  node_exporter died (it is started again for the next).
  nodeexp.py families [--minimal] [--c]
      The families node_exporter itself exports, with its default
      collectors (--minimal: with only the textfile collector, so those
      it always exports): one line per family, "NAME TYPE LABELS HELP"
      (LABELS the label names of its first sample, comma-separated, "-"
      for none; HELP as it reads it, newlines as \n). With --c, the rows
      of the table in src/nodeexp.c, which is made that way.
  nodeexp.py glob DIR1 DIR2
      node_exporter given the glob "PREFIX*" of two sibling directories
      PREFIX and PREFIXsomething must read the .prom files of both.

Exit: 0 pass, 1 fail, 77 when node_exporter is not installed.
"""
import fcntl
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

EXPORTER = "/usr/bin/prometheus-node-exporter"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Exporter:
    """node_exporter on a free loopback port. Its log is read without
    blocking after each scrape: node_exporter logs a gathering error
    before it answers, so by the time a scrape's answer is in, what it
    logged for that scrape is in the pipe."""

    def __init__(self, textdir, defaults=False):
        self.textdir = textdir
        self.defaults = defaults
        self.start()

    def start(self):
        args = [EXPORTER]
        if not self.defaults:
            args += ["--collector.disable-defaults", "--collector.textfile"]
        args += ["--collector.textfile.directory=" + self.textdir]
        for _ in range(10):
            self.port = free_port()
            self.proc = subprocess.Popen(
                args + ["--web.listen-address=127.0.0.1:%d" % self.port],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE)
            fd = self.proc.stderr.fileno()
            fcntl.fcntl(fd, fcntl.F_SETFL,
                        fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
            self.logged = ""
            # It logs "Listening on" once the socket is bound; a failed
            # bind makes it exit.
            while self.proc.poll() is None:
                self.logged += self.drain(wait=0.05)
                if "Listening on" in self.logged:
                    return
            self.proc.wait()
        raise RuntimeError("node_exporter did not start: " + self.logged)

    def drain(self, wait=0.0):
        if wait:
            time.sleep(wait)
        out = b""
        while True:
            try:
                b = os.read(self.proc.stderr.fileno(), 65536)
            except BlockingIOError:
                break
            if not b:
                break
            out += b
        return out.decode("utf-8", errors="replace")

    def scrape(self):
        """The body of one scrape and the error lines logged for it."""
        url = "http://127.0.0.1:%d/metrics" % self.port
        with urllib.request.urlopen(url, timeout=30) as resp:
            body = resp.read().decode("utf-8", errors="replace")
        log = self.drain()
        return body, [l for l in log.split("\n") if "level=error" in l]

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        if self.alive():
            self.proc.terminate()
        self.proc.wait()
        log = self.logged + self.drain()
        self.proc.stderr.close()
        return [l for l in log.split("\n") if "level=error" in l]


def samples(body, name):
    """The sample lines of `name` (with or without labels) in a scrape."""
    return [l for l in body.split("\n")
            if l.startswith(name + " ") or l.startswith(name + "{")]


def scrape_error(body):
    v = [l.split()[-1] for l in samples(body, "node_textfile_scrape_error")]
    return v[0] if len(v) == 1 else None


def installed():
    if os.access(EXPORTER, os.X_OK):
        return True
    print("SKIP: %s not found (apt-get install prometheus-node-exporter)"
          % EXPORTER)
    return False


def cmd_load(argv):
    """load PROGRAM [NSERIES [SCRAPES]]: PROGRAM is writer_load, or
    "shared_load churn" (a pre-fork daemon whose workers come and go)."""
    command = argv[0].split()
    nseries = int(argv[1]) if len(argv) > 1 else 3000
    scrapes = int(argv[2]) if len(argv) > 2 else 300
    textdir = tempfile.mkdtemp(prefix="pf-nodeexp-")
    program = os.path.basename(command[0])
    writer = exporter = None
    failures = []
    try:
        writer = subprocess.Popen(command + [textdir, str(nseries)],
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        if writer.stdout.readline().strip() != "ready":
            raise RuntimeError("writer_load did not start")
        exporter = Exporter(textdir)
        versions = set()
        for i in range(scrapes):
            body, _ = exporter.scrape()
            n = len(samples(body, "load_requests_total"))
            err = scrape_error(body)
            writes = [l.split()[-1]
                      for l in samples(body, "promfile_writes_total")]
            versions.update(writes)
            # The writer's process metrics, kept apart from node_exporter's
            # own by their program label.
            procs = [l for l in samples(body, "process_cpu_seconds_total")
                     if 'program="%s"' % program in l]
            if n != nseries or err != "0" or len(writes) != 1 \
                    or len(procs) != 1:
                failures.append("scrape %d: %d of %d series, scrape error "
                                "%r, promfile_writes_total %r"
                                % (i + 1, n, nseries, err, writes))
        print("%d scrapes of %d series: %d bad; %d distinct file versions "
              "seen" % (scrapes, nseries, len(failures), len(versions)))
        if len(versions) < 2:
            failures.append("the file was not rewritten during the scrapes")
    finally:
        if exporter:
            errors = exporter.stop()
            if errors:
                failures.append("node_exporter logged %d errors, the first: "
                                "%s" % (len(errors), errors[0].strip()))
        if writer:
            out, _ = writer.communicate(input="", timeout=60)
            if writer.returncode != 0:
                failures.append("writer_load exited %d: %s"
                                % (writer.returncode, out))
        shutil.rmtree(textdir, ignore_errors=True)
    for f in failures[:20]:
        print("FAIL: " + f, file=sys.stderr)
    return 1 if failures else 0


def clear(d):
    for e in os.listdir(d):
        p = os.path.join(d, e)
        if os.path.isdir(p) and not os.path.islink(p):
            shutil.rmtree(p)
        else:
            os.unlink(p)


def cmd_verdict(paths):
    textdir = tempfile.mkdtemp(prefix="pf-verdict-")
    exporter = Exporter(textdir)
    try:
        for path in paths:
            clear(textdir)
            if os.path.isdir(path):
                for e in sorted(os.listdir(path)):
                    src = os.path.join(path, e)
                    dst = os.path.join(textdir, e)
                    if os.path.islink(src):
                        # A link stays a link (a broken one too), to the
                        # same place.
                        target = os.readlink(src)
                        os.symlink(os.path.join(os.path.abspath(path),
                                                target), dst)
                    elif os.path.isdir(src):
                        os.mkdir(dst)
                    else:
                        shutil.copy(src, dst)
            else:
                shutil.copy(path, os.path.join(textdir, "case.prom"))
            try:
                body, errors = exporter.scrape()
            except OSError:
                body, errors = "", []
            # A panic can cut the answer short, or come just after it: an
            # answer without its scrape_error line is one that died.
            if scrape_error(body) is None:
                try:
                    exporter.proc.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    pass
            if not exporter.alive():
                verdict = "crashed"
            elif scrape_error(body) != "0":
                verdict = "refused"
            elif errors:
                verdict = "dropped"
            else:
                verdict = "ok"
            why = " | ".join(e[e.find("msg="):][:200] for e in errors)
            print("%s %s%s" % (verdict, path, " | " + why if why else ""))
            sys.stdout.flush()
            if not exporter.alive():
                exporter.stop()
                clear(textdir)
                exporter.start()
    finally:
        exporter.stop()
        shutil.rmtree(textdir, ignore_errors=True)
    return 0


def unescape_help(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s) and s[i + 1] in "\\n":
            out.append("\\" if s[i + 1] == "\\" else "\n")
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def cmd_families(argv):
    textdir = tempfile.mkdtemp(prefix="pf-families-")
    exporter = Exporter(textdir, defaults="--minimal" not in argv)
    try:
        body, _ = exporter.scrape()
    finally:
        exporter.stop()
        shutil.rmtree(textdir, ignore_errors=True)
    fams = {}
    for line in body.split("\n"):
        if line.startswith("# HELP "):
            name, _, text = line[7:].partition(" ")
            fams.setdefault(name, {})["help"] = unescape_help(text)
        elif line.startswith("# TYPE "):
            name, _, t = line[7:].partition(" ")
            fams.setdefault(name, {})["type"] = t
        elif line and not line.startswith("#"):
            name = line.split("{")[0].split(" ")[0]
            base = name
            for suffix in ("_bucket", "_sum", "_count"):
                if name.endswith(suffix) and name[:-len(suffix)] in fams:
                    base = name[:-len(suffix)]
            f = fams.get(base)
            if f is not None and "labels" not in f:
                labels = []
                if "{" in line:
                    inner = line[line.index("{") + 1:line.rindex("}")]
                    for pair in split_pairs(inner):
                        k = pair.split("=", 1)[0]
                        if k not in ("le", "quantile"):
                            labels.append(k)
                f["labels"] = ",".join(labels) or "-"
    if "--c" in argv:
        print_c_table(fams)
        return 0
    for name in sorted(fams):
        f = fams[name]
        print("%s %s %s %s" % (name, f.get("type", "untyped"),
                               f.get("labels", "-"),
                               f.get("help", "").replace("\n", "\\n")))
    return 0


def c_string(s):
    return '"%s"' % s.replace("\\", "\\\\").replace('"', '\\"').replace(
        "\n", "\\n")


def print_c_table(fams):
    """The body of src/nodeexp.c's table, sorted by name (strcmp order)."""
    for name in sorted(fams, key=lambda n: n.encode()):
        f = fams[name]
        labels = f.get("labels", "-")
        print("    {%s, %s, %s,\n     %s}," % (
            c_string(name), c_string(f.get("type", "untyped")),
            c_string("" if labels == "-" else labels),
            c_string(f.get("help", ""))))


def split_pairs(inner):
    """a="x",b="y,z" -> ['a="x"', 'b="y,z"'], minding quotes."""
    pairs, cur, quoted, esc = [], "", False, False
    for c in inner:
        if esc:
            cur += c
            esc = False
        elif c == "\\":
            cur += c
            esc = True
        elif c == '"':
            cur += c
            quoted = not quoted
        elif c == "," and not quoted:
            pairs.append(cur)
            cur = ""
        else:
            cur += c
    if cur:
        pairs.append(cur)
    return pairs


def cmd_glob(argv):
    a, b = argv
    prefix = os.path.commonprefix([a, b])
    if not (a == prefix or b == prefix):
        print("FAIL: %s and %s do not share a prefix that is one of them"
              % (a, b))
        return 1
    exporter = Exporter(prefix + "*")
    try:
        body, errors = exporter.scrape()
    finally:
        exporter.stop()
    files = [l for l in samples(body, "node_textfile_mtime_seconds")]
    ok = True
    for d in (a, b):
        for e in os.listdir(d):
            if e.endswith(".prom") and not any(
                    '"%s"' % os.path.join(d, e) in l for l in files):
                print("FAIL: %s/%s was not read through the glob %s*"
                      % (d, e, prefix))
                ok = False
    if scrape_error(body) != "0" or errors:
        print("FAIL: scrape error %r, %r" % (scrape_error(body), errors))
        ok = False
    if ok:
        print("the glob %s* read %d files" % (prefix, len(files)))
    return 0 if ok else 1


def main():
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    if not installed():
        return 77
    cmd, argv = sys.argv[1], sys.argv[2:]
    if cmd == "load":
        return cmd_load(argv)
    if cmd == "verdict":
        return cmd_verdict(argv)
    if cmd == "families":
        return cmd_families(argv)
    if cmd == "glob" and len(argv) == 2:
        return cmd_glob(argv)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
