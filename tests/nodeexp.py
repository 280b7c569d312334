#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Real node_exporter against a real promfile writer.

A writer_load process rewrites a textfile of NSERIES series every 10 ms
while node_exporter (started here on 127.0.0.1, on a free port, with only
the textfile collector) is scraped SCRAPES times. Every scrape must have
every series and node_textfile_scrape_error 0, and the file must have been
rewritten while the scrapes went on, and node_exporter must log no error
(it only logs series it drops as duplicates). Both processes are stopped
at the end.

Usage: nodeexp.py WRITER_LOAD [NSERIES [SCRAPES]]
Exit: 0 pass, 1 fail, 77 when node_exporter is not installed.
"""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import urllib.request

EXPORTER = "/usr/bin/prometheus-node-exporter"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Exporter:
    """node_exporter on a free loopback port; its log is read by a thread
    all along, so that it never blocks on a full pipe and every error it
    logs can be checked."""

    def __init__(self, textdir):
        for _ in range(10):
            self.port = free_port()
            self.proc = subprocess.Popen(
                [EXPORTER, "--web.listen-address=127.0.0.1:%d" % self.port,
                 "--collector.disable-defaults", "--collector.textfile",
                 "--collector.textfile.directory=" + textdir],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE, text=True)
            self.log = []
            self.listening = threading.Event()
            self.reader = threading.Thread(target=self._read, daemon=True)
            self.reader.start()
            # It logs "Listening on" once the socket is bound; a failed
            # bind makes it exit, which ends the log (and the thread).
            while not self.listening.wait(timeout=1):
                if not self.reader.is_alive():
                    break
            if self.listening.is_set():
                return
            self.proc.wait()
        raise RuntimeError("node_exporter did not start")

    def _read(self):
        for line in self.proc.stderr:
            self.log.append(line)
            if "Listening on" in line:
                self.listening.set()

    def stop(self):
        self.proc.terminate()
        self.proc.wait()
        self.reader.join()
        return [l for l in self.log if "level=error" in l]


def main():
    if not os.access(EXPORTER, os.X_OK):
        print("SKIP: %s not found (apt-get install prometheus-node-exporter)"
              % EXPORTER)
        return 77
    writer_load = sys.argv[1]
    nseries = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    scrapes = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    textdir = tempfile.mkdtemp(prefix="pf-nodeexp-")
    writer = exporter = None
    failures = []
    try:
        writer = subprocess.Popen([writer_load, textdir, str(nseries)],
                                  stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, text=True)
        if writer.stdout.readline().strip() != "ready":
            raise RuntimeError("writer_load did not start")
        exporter = Exporter(textdir)
        url = "http://127.0.0.1:%d/metrics" % exporter.port
        versions = set()
        for i in range(scrapes):
            with urllib.request.urlopen(url, timeout=30) as resp:
                body = resp.read().decode("utf-8")
            lines = body.split("\n")
            n = sum(1 for l in lines if l.startswith("load_requests_total{"))
            err = [l for l in lines
                   if l.startswith("node_textfile_scrape_error ")]
            writes = [l.split()[-1] for l in lines
                      if l.startswith("promfile_writes_total")]
            versions.update(writes)
            # The writer's process metrics, kept apart from node_exporter's
            # own by their program label.
            procs = [l for l in lines if l.startswith(
                'process_cpu_seconds_total{program="writer_load"}')]
            if n != nseries or err != ["node_textfile_scrape_error 0"] \
                    or len(writes) != 1 or len(procs) != 1:
                failures.append("scrape %d: %d of %d series, %r, "
                                "promfile_writes_total %r"
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


if __name__ == "__main__":
    sys.exit(main())
