// Command memberlist-bench runs the scenario of bench/gossip.bench.ts against
// hashicorp/memberlist, so the two can be compared in one bench run
// (bench/gossip-memberlist.bench.ts builds and runs it).
//
// N members in this one process, each on its own UDP+TCP port on 127.0.0.1,
// with memberlist's DefaultLANConfig (or DefaultLocalConfig) unchanged apart
// from the name, the addresses, the transport and a silent log:
//   - the seed starts; the clock starts; members 1..N-1 start and Join the seed
//     concurrently; the clock stops when every member counts N alive;
//   - 2 s to let the join broadcasts drain, then a quiet window: process CPU,
//     Go heap growth since before the members started, and bytes sent;
//   - the last member is Shutdown() without Leave(); the clocks stop when the
//     first, and then every, other member no longer lists it (marked dead).
//
// Bytes sent are counted in a Transport that wraps memberlist's NetTransport:
// every UDP packet written, and every byte written on a TCP stream (push-pull
// and TCP fallback pings) whether this member dialled it or accepted it. TCP
// streams dialled in the window are counted too ("exchanges"; in a quiet
// cluster they are all push-pulls), so bytes per push-pull can be compared
// even when few push-pulls fall in the window: memberlist's first periodic
// push-pull comes 0–30 s plus one scaled interval (60 s at 33–64 members)
// after start.
//
// Prints one JSON object on stdout.
//
// Build (GOPATH mode, Debian's golang-github-hashicorp-memberlist-dev):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o /tmp/mlbench ./bench/memberlist
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io/ioutil"
	"net"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/memberlist"
)

// pollEvery is how often the views are checked, as in bench/gossip.bench.ts.
const pollEvery = 10 * time.Millisecond

// counters are shared by every member of the process; the figures are per member on average.
type counters struct {
	udpBytes, udpPackets, tcpBytes, tcpDials int64
}

var totals counters

// countingConn counts the bytes written on one TCP stream.
type countingConn struct{ net.Conn }

func (c countingConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	atomic.AddInt64(&totals.tcpBytes, int64(n))
	return n, err
}

// countingTransport is NetTransport with byte counters on everything it sends.
type countingTransport struct {
	*memberlist.NetTransport
	streams chan net.Conn
}

func newCountingTransport() (*countingTransport, error) {
	inner, err := memberlist.NewNetTransport(&memberlist.NetTransportConfig{
		BindAddrs: []string{"127.0.0.1"},
		BindPort:  0,
		Logger:    nil,
	})
	if err != nil {
		return nil, err
	}
	t := &countingTransport{NetTransport: inner, streams: make(chan net.Conn)}
	go func() {
		for c := range inner.StreamCh() {
			t.streams <- countingConn{c}
		}
	}()
	return t, nil
}

func (t *countingTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	return t.WriteToAddress(b, memberlist.Address{Addr: addr})
}

func (t *countingTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	atomic.AddInt64(&totals.udpBytes, int64(len(b)))
	atomic.AddInt64(&totals.udpPackets, 1)
	return t.NetTransport.WriteToAddress(b, a)
}

func (t *countingTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	return t.DialAddressTimeout(memberlist.Address{Addr: addr}, timeout)
}

func (t *countingTransport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	atomic.AddInt64(&totals.tcpDials, 1)
	c, err := t.NetTransport.DialAddressTimeout(a, timeout)
	if err != nil {
		return nil, err
	}
	return countingConn{c}, nil
}

func (t *countingTransport) StreamCh() <-chan net.Conn { return t.streams }

// leaves counts NotifyLeave events for members other than the victim: false failures.
type leaves struct {
	victim string
	count  *int64
}

func (l leaves) NotifyJoin(*memberlist.Node)   {}
func (l leaves) NotifyUpdate(*memberlist.Node) {}
func (l leaves) NotifyLeave(n *memberlist.Node) {
	if n.Name != l.victim {
		atomic.AddInt64(l.count, 1)
	}
}

type result struct {
	N                       int      `json:"n"`
	Profile                 string   `json:"profile"`
	Encrypted               bool     `json:"encrypted"`
	GoVersion               string   `json:"goVersion"`
	JoinMs                  float64  `json:"joinMs"`
	JoinTimedOut            bool     `json:"joinTimedOut"`
	WindowS                 float64  `json:"windowS"`
	CPUMsPerSPerMember      float64  `json:"cpuMsPerSPerMember"`
	ProcessCPUMsPerS        float64  `json:"processCpuMsPerS"`
	HeapKiBPerMember        float64  `json:"heapKiBPerMember"`
	UDPBytesPerMemberPerS   float64  `json:"udpBytesPerMemberPerS"`
	TCPBytesPerMemberPerS   float64  `json:"tcpBytesPerMemberPerS"`
	UDPPacketsPerMemberPerS float64  `json:"udpPacketsPerMemberPerS"`
	TCPExchanges            int64    `json:"tcpExchanges"`
	TCPBytesPerExchange     *float64 `json:"tcpBytesPerExchange"` // null when none fell in the window
	FirstDeadMs             float64  `json:"firstDeadMs"`
	AllDeadMs               float64  `json:"allDeadMs"`
	DeadTimedOut            bool     `json:"deadTimedOut"`
	FalseFailures           int64    `json:"falseFailures"`
}

func until(pred func() bool, max time.Duration) (time.Duration, bool) {
	t0 := time.Now()
	for !pred() {
		if time.Since(t0) > max {
			return max, true
		}
		time.Sleep(pollEvery)
	}
	return time.Since(t0), false
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func heapBytes() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func main() {
	n := flag.Int("n", 10, "members")
	profile := flag.String("profile", "lan", "lan | local")
	windowS := flag.Float64("window", 10, "steady window, seconds")
	settle := flag.Duration("settle", 2*time.Second, "pause after convergence before the window")
	waitMax := flag.Duration("wait", 90*time.Second, "cap on waiting for convergence or detection")
	encrypt := flag.Bool("encrypt", false, "AES-256-GCM with one 32-byte key (memberlist SecretKey)")
	flag.Parse()
	if *n < 2 {
		fmt.Fprintln(os.Stderr, "-n must be at least 2")
		os.Exit(2)
	}
	victimName := fmt.Sprintf("m%d", *n-1)
	var falseFailures int64
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i * 7)
	}

	start := func(i int) (*memberlist.Memberlist, error) {
		var c *memberlist.Config
		switch *profile {
		case "lan":
			c = memberlist.DefaultLANConfig()
		case "local":
			c = memberlist.DefaultLocalConfig()
		default:
			return nil, fmt.Errorf("unknown profile %q", *profile)
		}
		t, err := newCountingTransport()
		if err != nil {
			return nil, err
		}
		c.Name = fmt.Sprintf("m%d", i)
		c.BindAddr = "127.0.0.1"
		c.AdvertiseAddr = ""
		c.Transport = t
		c.LogOutput = ioutil.Discard
		c.Events = leaves{victim: victimName, count: &falseFailures}
		if *encrypt {
			c.SecretKey = key
		}
		return memberlist.Create(c)
	}

	heapBefore := heapBytes()
	seed, err := start(0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	seedAddr := fmt.Sprintf("%s:%d", seed.LocalNode().Addr, seed.LocalNode().Port)
	members := make([]*memberlist.Memberlist, *n)
	members[0] = seed
	joinStart := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, *n)
	for i := 1; i < *n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			m, err := start(i)
			if err != nil {
				errs <- err
				return
			}
			members[i] = m
			if _, err := m.Join([]string{seedAddr}); err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_, joinTimedOut := until(func() bool {
		for _, m := range members {
			if m.NumMembers() != *n {
				return false
			}
		}
		return true
	}, *waitMax)
	joinMs := ms(time.Since(joinStart))

	time.Sleep(*settle)
	heapAfter := heapBytes()
	udp0, pk0, tcp0 := atomic.LoadInt64(&totals.udpBytes), atomic.LoadInt64(&totals.udpPackets), atomic.LoadInt64(&totals.tcpBytes)
	dials0 := atomic.LoadInt64(&totals.tcpDials)
	cpu0 := cpuTime()
	w0 := time.Now()
	time.Sleep(time.Duration(*windowS * float64(time.Second)))
	seconds := time.Since(w0).Seconds()
	cpu := cpuTime() - cpu0
	udp := atomic.LoadInt64(&totals.udpBytes) - udp0
	pk := atomic.LoadInt64(&totals.udpPackets) - pk0
	tcp := atomic.LoadInt64(&totals.tcpBytes) - tcp0
	dials := atomic.LoadInt64(&totals.tcpDials) - dials0
	var perExchange *float64
	if dials > 0 {
		v := float64(tcp) / float64(dials)
		perExchange = &v
	}

	victim := members[*n-1]
	others := members[:*n-1]
	seesDead := func(m *memberlist.Memberlist) bool {
		for _, x := range m.Members() {
			if x.Name == victimName {
				return false
			}
		}
		return true
	}
	killedAt := time.Now()
	_ = victim.Shutdown()
	first, t1 := until(func() bool {
		for _, m := range others {
			if seesDead(m) {
				return true
			}
		}
		return false
	}, *waitMax)
	_, t2 := until(func() bool {
		for _, m := range others {
			if !seesDead(m) {
				return false
			}
		}
		return true
	}, *waitMax)
	allDead := time.Since(killedAt)

	fn := float64(*n)
	heapGrowth := float64(heapAfter) - float64(heapBefore)
	out := result{
		N: *n, Profile: *profile, Encrypted: *encrypt, GoVersion: runtime.Version(),
		JoinMs: joinMs, JoinTimedOut: joinTimedOut, WindowS: seconds,
		CPUMsPerSPerMember:      ms(cpu) / seconds / fn,
		ProcessCPUMsPerS:        ms(cpu) / seconds,
		HeapKiBPerMember:        heapGrowth / 1024 / fn,
		UDPBytesPerMemberPerS:   float64(udp) / fn / seconds,
		TCPBytesPerMemberPerS:   float64(tcp) / fn / seconds,
		UDPPacketsPerMemberPerS: float64(pk) / fn / seconds,
		TCPExchanges:            dials,
		TCPBytesPerExchange:     perExchange,
		FirstDeadMs:             ms(first),
		AllDeadMs:               ms(allDead),
		DeadTimedOut:            t1 || t2,
		FalseFailures:           atomic.LoadInt64(&falseFailures),
	}
	for _, m := range others {
		_ = m.Shutdown()
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		os.Exit(1)
	}
}
