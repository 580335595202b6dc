package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/crispwatest"
	"github.com/crispwa/crispwa/internal/testenv"
)

// BenchmarkWorkerProcesses measures 'crispwa worker' processes (the binary,
// built once) against one Postgres and one fake (no latency unless named,
// concurrency 16, no rate limit): "processes=1" is the floor beside "processes=3", the
// three workers' combined throughput. One op is one send; each reports
// sends/s and the peak resident memory (VmHWM) of its largest worker.
// "campaign=N" has one worker send b.N recipients of a campaign of N: its
// peak memory against the campaign's size (River fetches the jobs a few at
// a time, so it should not grow with N).
//
//	go test -run '^$' -bench 'WorkerProcesses/processes' -benchtime 3000x ./cmd/crispwa
//	go test -run '^$' -bench 'WorkerProcesses/latency' -benchtime 3000x ./cmd/crispwa
//	go test -run '^$' -bench 'WorkerProcesses/campaign=1[0]{4,5}$' -benchtime 3000x ./cmd/crispwa
//	go test -run '^$' -bench 'WorkerProcesses/campaign=1000000' -benchtime 3000x -timeout 60m ./cmd/crispwa
func BenchmarkWorkerProcesses(b *testing.B) {
	dir := b.TempDir()
	bin := filepath.Join(dir, "crispwa")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(b, err, "%s", out)
	srv := crispwatest.NewServer(crispwatest.WithTemplates(crispwa.Template{
		Name: "hello", Language: "en_US", Status: crispwa.StatusApproved, Category: "MARKETING",
		Components: []crispwa.TemplateComponent{{Type: "BODY", Text: "Hello!"}},
	}))
	b.Cleanup(srv.Close)
	env := append(os.Environ(),
		crispwa.EnvWebsiteID+"="+srv.WebsiteID, crispwa.EnvIdentifier+"="+srv.Credentials.Identifier,
		crispwa.EnvKey+"="+srv.Credentials.Key, crispwa.EnvBaseURL+"="+srv.URL)
	first := 0 // recipients never repeat across runs
	enqueue := func(b *testing.B, url, campaign string, n int) {
		var csv strings.Builder
		csv.WriteString("to\n")
		for i := range n {
			fmt.Fprintf(&csv, "+336%08d\n", first+i)
		}
		first += n
		path := filepath.Join(dir, campaign+".csv")
		require.NoError(b, os.WriteFile(path, []byte(csv.String()), 0o600))
		cmd := exec.Command(bin, "bulk", "--store", url, "--campaign", campaign, "--csv", path, "--template", "hello",
			"--language", "en_US", "--from", "+33100000000", "--enqueue-only", "--max-rows", strconv.Itoa(n+1))
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		require.NoError(b, err, "%s", out)
		b.Logf("%s", strings.TrimSpace(string(out)))
	}
	work := func(b *testing.B, url string, processes, sends int) {
		before := srv.SendCount()
		b.ResetTimer()
		start := time.Now()
		workers := make([]*exec.Cmd, processes)
		for i := range workers {
			workers[i] = exec.Command(bin, "worker", "--store", url, "--rate", "0", "--concurrency", "16")
			workers[i].Env = env
			require.NoError(b, workers[i].Start())
		}
		for srv.SendCount()-before < sends {
			time.Sleep(2 * time.Millisecond)
		}
		d := time.Since(start)
		b.StopTimer()
		var peak int
		for _, w := range workers {
			peak = max(peak, peakRSS(b, w.Process.Pid))
			require.NoError(b, w.Process.Signal(syscall.SIGTERM))
			require.NoError(b, w.Wait())
		}
		b.ReportMetric(float64(sends)/d.Seconds(), "sends/s")
		b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
	}
	for _, p := range []int{1, 3} {
		b.Run(fmt.Sprintf("processes=%d", p), func(b *testing.B) {
			url := testenv.PostgresDatabase(b) // a database of each run's own
			enqueue(b, url, "c", b.N)
			work(b, url, p, b.N)
		})
	}
	// The same with the fake answering after 100 ms, as a real API does
	// across the internet: the workers wait on the network rather than on
	// the CPU, so where one machine's cores run out at no latency, here
	// three workers show what they add.
	for _, p := range []int{1, 3} {
		b.Run(fmt.Sprintf("latency=100ms/processes=%d", p), func(b *testing.B) {
			url := testenv.PostgresDatabase(b)
			enqueue(b, url, "c", b.N)
			srv.SetLatency(100 * time.Millisecond)
			defer srv.SetLatency(0)
			work(b, url, p, b.N)
		})
	}
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprintf("campaign=%d", n), func(b *testing.B) {
			if b.N < 100 || b.N > n { // the probe run (b.N 1), or more sends than recipients
				return
			}
			url := testenv.PostgresDatabase(b)
			enqueue(b, url, "c", n)
			work(b, url, 1, b.N)
		})
	}
}

// peakRSS reads the peak resident set (VmHWM, KiB) of process pid.
func peakRSS(b *testing.B, pid int) int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(b, err)
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, err := strconv.Atoi(f[1])
			require.NoError(b, err)
			return kb
		}
	}
	b.Fatalf("no VmHWM in /proc/%d/status", pid)
	return 0
}
