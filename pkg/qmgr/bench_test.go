package qmgr

import (
	"fmt"
	"testing"
	"time"

	"github.com/postern/postern/pkg/queue"
)

// BenchmarkScheduler100k schedules 100,000 one-recipient messages over
// 1,000 destinations of two transports, one of which has a dead
// destination, then drains the scheduler with an agent that answers at
// once: selection, concurrency feedback and queue bookkeeping only.
// One op = all 100,000 messages.
func BenchmarkScheduler100k(b *testing.B) {
	const n = 100000
	lim := testLimits(nil)("smtp")
	lim.ProcessLimit = 100
	limits := testLimits(map[string]Limits{"smtp": lim, "relay": lim})
	msg := &message{id: "M"}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		s := NewScheduler(limits, 300*time.Second, 60*time.Second)
		for j := 0; j < n; j++ {
			tr := "smtp"
			if j%2 == 1 {
				tr = "relay"
			}
			dest := fmt.Sprintf("d%d.example", j%1000)
			q, dead := s.Lookup(tr, dest, dest)
			if dead != nil {
				continue
			}
			s.add(&Entry{msg: msg, queue: q, Rcpts: []rcptRef{0}}, t0)
		}
		done := 0
		for {
			var busy []*Entry
			for e := s.Next(t0); e != nil; e = s.Next(t0) {
				busy = append(busy, e)
			}
			if len(busy) == 0 {
				break
			}
			for _, e := range busy {
				out := Outcome{}
				if e.queue.name == "d7.example" {
					out.Site = &DSN{Status: "4.4.1", Reason: "connection refused"}
				}
				dead, _ := s.Done(e, out, t0)
				done += 1 + len(dead)
			}
		}
		if done != n {
			b.Fatalf("%d entries finished, want %d", done, n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/msg")
}

// BenchmarkResolveAssign100k runs the queue manager's per-message work
// for 100,000 in-core messages of five recipients each: resolve, sort,
// group into entries under the recipient limit, select and complete.
func BenchmarkResolveAssign100k(b *testing.B) {
	const n = 100000
	envs := make([]*queue.Envelope, n)
	for j := range envs {
		env := &queue.Envelope{ID: fmt.Sprintf("ID%d", j), Sender: "a@example.org"}
		for k := 0; k < 5; k++ {
			env.Recipients = append(env.Recipients, queue.Recipient{Address: fmt.Sprintf("u%d@d%d.example", k, (j+k)%500)})
		}
		envs[j] = env
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		set := Settings{MinBackoff: 300 * time.Second, MaxBackoff: 4000 * time.Second,
			ActiveLimit: n, RecipientLimit: 5 * n, DoubleBounceSender: "double-bounce"}
		m := New(set, Deps{Limits: testLimits(nil), Resolver: testResolver{}, Log: &logSink{}})
		for _, env := range envs {
			msg := &message{id: env.ID, env: env, activeAt: t0}
			m.messages++
			m.schedule(msg)
		}
		for {
			var busy []*Entry
			for e := m.sched.Next(t0); e != nil; e = m.sched.Next(t0) {
				busy = append(busy, e)
			}
			if len(busy) == 0 {
				break
			}
			for _, e := range busy {
				m.sched.Done(e, Outcome{}, t0)
				e.msg.refs--
			}
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/msg")
}
