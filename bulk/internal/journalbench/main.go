// Command journalbench measures a campaign journal at scale: it writes a
// journal of n recipients (each sent, accepted and delivered), then opens it
// and resumes the campaign over the same n jobs (all already accepted, so
// nothing is sent), printing the time and the Go heap's peak. Run it under
// /usr/bin/time -v for the process's peak memory:
//
//	go build -o /tmp/journalbench ./bulk/internal/journalbench
//	/tmp/journalbench -n 1000000 -dir /tmp/jb gen
//	/usr/bin/time -v /tmp/journalbench -n 1000000 -dir /tmp/jb resume
//
// -old writes (and reads) a journal of the format before the number was
// kept, -cpuprofile and -memprofile write pprof profiles.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/crispwa/crispwa"
	"github.com/crispwa/crispwa/bulk"
)

func main() {
	n := flag.Int("n", 1_000_000, "recipients")
	dir := flag.String("dir", os.TempDir(), "directory of the journal")
	old := flag.Bool("old", false, "gen: write the records of versions before the template and the number were kept (a resume then reads each number again)")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of open/resume to this file")
	memProfile := flag.String("memprofile", "", "write an allocation profile of open/resume to this file")
	flag.Parse()
	stopPeak := watchPeak()
	defer stopPeak()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	if *memProfile != "" {
		runtime.MemProfileRate = 64 << 10
		defer func() {
			f, err := os.Create(*memProfile)
			if err != nil {
				log.Fatal(err)
			}
			if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
				log.Fatal(err)
			}
		}()
	}
	name := fmt.Sprintf("journal-%d.jsonl", *n)
	if *old {
		name = fmt.Sprintf("journal-%d-old.jsonl", *n)
	}
	path := filepath.Join(*dir, name)
	switch flag.Arg(0) {
	case "gen":
		gen(path, *n, *old)
	case "open":
		start := time.Now()
		j, err := bulk.OpenJournal(path)
		if err != nil {
			log.Fatal(err)
		}
		report("open", start, *n)
		_ = j.Close()
	case "resume":
		start := time.Now()
		j, err := bulk.OpenJournal(path)
		if err != nil {
			log.Fatal(err)
		}
		report("open", start, *n)
		client, err := crispwa.NewClient("w", crispwa.Credentials{Identifier: "i", Key: "k"},
			crispwa.WithBaseURL("http://127.0.0.1:9"))
		if err != nil {
			log.Fatal(err)
		}
		r, err := bulk.NewRunner(client, j, bulk.WithTemplateCheck(false))
		if err != nil {
			log.Fatal(err)
		}
		sum, err := resume(r, *n)
		if err != nil {
			log.Fatal(err)
		}
		if sum.AlreadySent != *n {
			log.Fatalf("already sent %d, want %d", sum.AlreadySent, *n)
		}
		report("open+resume", start, *n)
		_ = j.Close()
	default:
		log.Fatal("usage: journalbench [-n N] [-dir DIR] gen|open|resume")
	}
}

// to is the number of recipient i: +3361 and 7 digits.
func to(i int) string {
	b := []byte("+33610000000")
	for k := len(b) - 1; i > 0 && k >= 5; k-- {
		b[k] += byte(i % 10)
		i /= 10
	}
	return string(b)
}

func job(i int) bulk.Job {
	number := to(i)
	return bulk.Job{Key: "spring/" + number, Request: &crispwa.SendTemplateRequest{
		From: "+33100000000", To: number,
		Template: crispwa.MessageTemplate{Name: "order_update", Language: "en"},
	}}
}

// gen writes the journal the runner would have written: sending, accepted
// and delivered records for each recipient, a few microseconds apart. With
// old, the sending records lack the template and the number, as in
// journals written before they were kept.
func gen(path string, n int, old bool) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	w := bufio.NewWriter(f)
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	at := func(i, k int) string {
		return t0.Add(time.Duration(3*i+k) * 7919 * time.Nanosecond).Format(time.RFC3339Nano)
	}
	for i := range n {
		key := "spring/" + to(i)
		id := fmt.Sprintf("6f1c2a9e-%04x-4000-8000-%012x", i%65536, i)
		if old {
			fmt.Fprintf(w, `{"time":"%s","event":"sending","key":"%s"}`+"\n", at(i, 0), key)
		} else {
			fmt.Fprintf(w, `{"time":"%s","event":"sending","key":"%s","template":"order_update","language":"en","to":"%s"}`+"\n",
				at(i, 0), key, to(i))
		}
		fmt.Fprintf(w, `{"time":"%s","event":"accepted","key":"%s","request_id":"%s"}`+"\n", at(i, 1), key, id)
		fmt.Fprintf(w, `{"time":"%s","event":"delivered","key":"%s","request_id":"%s"}`+"\n", at(i, 2), key, id)
	}
	if err := w.Flush(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

// peakHeap is the largest Go heap (live and garbage not yet collected)
// seen so far by watchPeak.
var peakHeap atomic.Uint64

// watchPeak samples the heap every millisecond until the returned function
// is called.
func watchPeak() (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			metrics.Read(sample)
			if v := sample[0].Value.Uint64(); v > peakHeap.Load() {
				peakHeap.Store(v)
			}
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}

func report(what string, start time.Time, n int) {
	d := time.Since(start)
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	total := m.TotalAlloc
	runtime.GC()
	runtime.ReadMemStats(&m)
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	fmt.Printf("%s: %d recipients (%d records) in %s (%.2f µs/record), CPU %s (%.2f µs/record), peak heap %d MB, live heap %d MB, total allocated %d MB, GC cycles %d\n",
		what, n, 3*n, d.Round(time.Millisecond), float64(d.Nanoseconds())/1e3/float64(3*n), cpu.Round(time.Millisecond),
		float64(cpu.Nanoseconds())/1e3/float64(3*n), peakHeap.Load()>>20, m.HeapAlloc>>20, total>>20, m.NumGC)
}

// resume runs the campaign again over the n jobs, all already accepted.
func resume(r *bulk.Runner, n int) (*bulk.Summary, error) {
	return resumeJobs(r, n)
}
