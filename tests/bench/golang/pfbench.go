// SPDX-License-Identifier: MIT
//
// pfbench.go: the workloads of tests/bench/pfbench.c, on client_golang,
// so that both are measured on one machine in one session. Built in GOPATH
// mode from Debian's packages (golang-go,
// golang-github-prometheus-client-golang-dev):
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go build -o pfbench-go pfbench.go
//	./pfbench-go WORKLOAD [ITERATIONS]
//
// It prints the same RESULT lines with lib=client_golang.
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

var kinds = []string{"submission", "imap", "webmail", "webapi", "webaccount", "webadmin"}
var variants = []string{"login", "plain", "scram-sha-256", "scram-sha-1", "cram-md5",
	"weblogin", "websessionuse", "httpbasic", "tlsclientauth"}
var results = []string{"ok", "baduser", "badpassword", "badcreds", "badchanbind", "error", "aborted"}
var labels3 = []string{"kind", "variant", "result"}

func result(workload string, n int64, nsPerOp float64, extra string) {
	if extra != "" {
		extra = " " + extra
	}
	fmt.Printf("RESULT lib=client_golang workload=%s iterations=%d%s ns_per_op=%.3f\n",
		workload, n, extra, nsPerOp)
}

func counterVec(reg *prometheus.Registry, name string) *prometheus.CounterVec {
	v := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: "Bench."}, labels3)
	reg.MustRegister(v)
	return v
}

func w1(n int64) {
	c := counterVec(prometheus.NewRegistry(), "bench_w1_total").WithLabelValues("imap", "plain", "ok")
	t0 := time.Now()
	for i := int64(0); i < n; i++ {
		c.Inc()
	}
	result("w1", n, float64(time.Since(t0).Nanoseconds())/float64(n), "")
}

func w2(n int64) {
	v := counterVec(prometheus.NewRegistry(), "bench_w2_total")
	var combo [][3]string
	for _, k := range kinds {
		for _, va := range variants {
			for _, r := range results {
				combo = append(combo, [3]string{k, va, r})
				v.WithLabelValues(k, va, r)
			}
		}
	}
	t0 := time.Now()
	j := 0
	for i := int64(0); i < n; i++ {
		c := &combo[j]
		v.WithLabelValues(c[0], c[1], c[2]).Inc()
		j++
		if j == len(combo) {
			j = 0
		}
	}
	result("w2", n, float64(time.Since(t0).Nanoseconds())/float64(n), "")
}

func w3(workload string, n int64) {
	v := counterVec(prometheus.NewRegistry(), "bench_w3_total")
	cs := []prometheus.Counter{v.WithLabelValues("imap", "plain", "ok"), v.WithLabelValues("imap", "plain", "ok")}
	if workload == "w3diff" {
		cs[1] = v.WithLabelValues("imap", "plain", "error")
	}
	start := make(chan struct{})
	var ready, done sync.WaitGroup
	for t := 0; t < 2; t++ {
		ready.Add(1)
		done.Add(1)
		go func(c prometheus.Counter) {
			ready.Done()
			<-start
			for i := int64(0); i < n; i++ {
				c.Inc()
			}
			done.Done()
		}(cs[t])
	}
	ready.Wait()
	t0 := time.Now()
	close(start)
	done.Wait()
	result(workload, 2*n, float64(time.Since(t0).Nanoseconds())/float64(2*n), "threads=2")
}

func w4(n int64) {
	reg := prometheus.NewRegistry()
	hv := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "bench_w4_seconds", Help: "W4."}, labels3)
	reg.MustRegister(hv)
	h := hv.WithLabelValues("imap", "plain", "ok")
	vals := []float64{0.003, 0.007, 0.02, 0.04, 0.08, 0.2, 0.4, 0.8, 2, 4, 8, 20}
	t0 := time.Now()
	j := 0
	for i := int64(0); i < n; i++ {
		h.Observe(vals[j])
		j++
		if j == 12 {
			j = 0
		}
	}
	result("w4", n, float64(time.Since(t0).Nanoseconds())/float64(n), "")
}

func status(field string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return -1
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if strings.HasPrefix(s.Text(), field+":") {
			parts := strings.Fields(s.Text())
			kb, _ := strconv.ParseInt(parts[1], 10, 64)
			return kb * 1024
		}
	}
	return -1
}

const w5Series = 100000

func makeW5() (*prometheus.Registry, float64) {
	reg := prometheus.NewRegistry()
	v := counterVec(reg, "bench_w5_total")
	t0 := time.Now()
	for i := 0; i < w5Series; i++ {
		v.WithLabelValues(fmt.Sprintf("k%d", i/1000), fmt.Sprintf("v%d", (i/10)%100),
			fmt.Sprintf("r%d", i%10)).Add(float64(i + 1))
	}
	return reg, float64(time.Since(t0).Nanoseconds()) / 1e6
}

func w5(n int64) {
	if n <= 0 || n > 64 {
		n = 10
	}
	runtime.GC()
	rss0 := status("VmRSS")
	reg, createMs := makeW5()
	runtime.GC()
	rss1 := status("VmRSS")
	var ms []float64
	path := "/dev/shm/pfbench-go-w5.prom"
	for i := int64(0); i < n; i++ {
		t0 := time.Now()
		if err := prometheus.WriteToTextfile(path, reg); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		ms = append(ms, float64(time.Since(t0).Nanoseconds())/1e6)
	}
	hwm := status("VmHWM")
	st, _ := os.Stat(path)
	os.Remove(path)
	sort.Float64s(ms)
	extra := fmt.Sprintf("series=%d write_ms_median=%.2f file_bytes=%d create_ms=%.1f "+
		"bytes_per_series_rss=%.0f bytes_per_series_hwm=%.0f",
		w5Series, ms[n/2], st.Size(), createMs,
		float64(rss1-rss0)/w5Series, float64(hwm-rss0)/w5Series)
	result("w5", n, ms[n/2]*1e6/w5Series, extra)
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: pfbench-go w1|w2|w3same|w3diff|w4|w5 [ITERATIONS]")
		os.Exit(2)
	}
	var n int64
	if len(os.Args) == 3 {
		n, _ = strconv.ParseInt(os.Args[2], 10, 64)
	}
	def := func(d int64) int64 {
		if n > 0 {
			return n
		}
		return d
	}
	switch w := os.Args[1]; w {
	case "w1":
		w1(def(100000000))
	case "w2":
		w2(def(20000000))
	case "w3same", "w3diff":
		w3(w, def(100000000))
	case "w4":
		w4(def(50000000))
	case "w5":
		w5(n)
	default:
		fmt.Fprintln(os.Stderr, "pfbench-go: unknown or unsupported workload", w)
		os.Exit(2)
	}
}
