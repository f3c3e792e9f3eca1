package server

import (
	"net/netip"
	"sync"
	"time"
)

// loginLimiter slows then refuses logins after repeated failures, without
// ever holding a connection that may succeed: an attempt on an account
// that comes too early is answered at once with 429 and the time to wait
// (Retry-After).
//
//   - Per account, from a browser that never logged in to it: from the
//     3rd failure each attempt must wait a little longer after the last one
//     (up to 5 s); from the 10th the account is locked for 15 minutes for
//     such browsers. When a lock expires the count starts again at the
//     slowed level, so guessing stays slow but one wrong attempt every 15
//     minutes no longer keeps anyone out.
//   - Per account and known browser (one that logged in to the account
//     before and holds its signed cookie, see device.go): the same rules
//     on a count of its own. A student who locks their teacher's account
//     from another browser does not lock the teacher's own browser.
//   - Per client address, since a whole lycée often shares one: only
//     failures count, and the address never refuses an attempt, so a
//     correct password goes through whatever others behind the same
//     address typed. From the 21st failure in half an hour, the answer to
//     each further failure from the address is held 1 s, then 2 s… up to
//     5 s (a timer, no work): guessing from the address slows, the class
//     does not.
//   - In flight: at most maxAttemptsPerAccount attempts at once on one
//     account from one address, the rest answered 429 at once; and at most
//     maxLoginsInFlight from one address on accounts (or known browsers)
//     that already failed. An attempt on an account with no failure is
//     never refused for the address, so an attacker who floods it with
//     wrong passwords on other accounts slows the class (the CPU is
//     shared) but never turns a correct password away. A held failure has
//     left both counts.
//
// Attempts on an account are counted when they start, so a burst of
// parallel tries is counted too; a success clears the account's count.
// Activation codes have a limiter of their own (per code and per
// address), so that codes typed wrong never slow logins. State is in
// memory: a restart forgives everyone, which is acceptable for a single
// server.
type loginLimiter struct {
	mu       sync.Mutex
	keys     map[string]*attempts
	inFlight map[string]int
	now      func() time.Time
	delay    time.Duration // unit of the slow-down (1 s; tests shorten it)
	// lockAfter failures lock an account key (0: never, as for codes).
	lockAfter int
}

type attempts struct {
	failures    int
	last        time.Time
	lockedUntil time.Time
}

const (
	slowAfter             = 3
	lockAfter             = 10
	addrSlowAfter         = 20
	lockFor               = 15 * time.Minute
	forgetAfter           = 30 * time.Minute
	maxLoginsInFlight     = 64
	maxAttemptsPerAccount = 2
)

// addressKey is the limiter's key of a client address: the address
// itself for IPv4, its /64 network for IPv6 (a single subscriber usually
// has a whole /64, so counting each of its addresses apart would let it
// try without end).
func addressKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Unmap().Is4() {
		return "ip:" + ip
	}
	p, err := a.Prefix(64)
	if err != nil {
		return "ip:" + ip
	}
	return "ip:" + p.String()
}

// isAddress tells the per-address keys from the per-account ones.
func isAddress(key string) bool { return len(key) > 3 && key[:3] == "ip:" }

func newLoginLimiter(now func() time.Time, delay time.Duration) *loginLimiter {
	return &loginLimiter{keys: map[string]*attempts{}, inFlight: map[string]int{}, now: now, delay: delay, lockAfter: lockAfter}
}

// newCodeLimiter is the limiter of activation codes: the same rules
// without the lock. A student on first access has no known browser to
// escape a lock with, so a classmate typing wrong codes for their address
// would keep them out for 15 minutes; a code (8 characters of 32, valid 7
// days) slowed to one try every 5 s cannot be guessed anyway.
func newCodeLimiter(now func() time.Time, delay time.Duration) *loginLimiter {
	l := newLoginLimiter(now, delay)
	l.lockAfter = 0
	return l
}

// enter admits one more attempt on an account from an address at once,
// or refuses it; the returned func ends the attempt (once, whatever the
// number of calls).
func (l *loginLimiter) enter(address, account string) (leave func(), ok bool) {
	pair := address + "|" + account
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.inFlight[pair] >= maxAttemptsPerAccount {
		return nil, false
	}
	// Only attempts on an account (or known browser) that already failed
	// share the address's places: a student's first try is never refused
	// because someone behind the same address fills them.
	keys := []string{pair}
	if a := l.keys[account]; a != nil && a.failures > 0 {
		if l.inFlight[address] >= maxLoginsInFlight {
			return nil, false
		}
		keys = append(keys, address)
	}
	for _, k := range keys {
		l.inFlight[k]++
	}
	return sync.OnceFunc(func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		for _, k := range keys {
			if l.inFlight[k]--; l.inFlight[k] <= 0 {
				delete(l.inFlight, k)
			}
		}
	}), true
}

// slowDown is how long after its last failure an account key may be
// tried again.
func (l *loginLimiter) slowDown(a *attempts) time.Duration {
	if a.failures < slowAfter {
		return 0
	}
	return min(time.Duration(a.failures-slowAfter+1)*l.delay, 5*l.delay)
}

// check returns how long the caller must wait before trying (zero: now),
// and until when one of the keys is locked (zero when none is). Locks that
// expired are lifted here.
func (l *loginLimiter) check(keys ...string) (wait time.Duration, locked time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.checkLocked(keys)
}

func (l *loginLimiter) checkLocked(keys []string) (wait time.Duration, locked time.Time) {
	now := l.now()
	for _, k := range keys {
		a := l.keys[k]
		if a == nil {
			continue
		}
		if !a.lockedUntil.IsZero() && !now.Before(a.lockedUntil) {
			a.lockedUntil = time.Time{}
			a.failures = slowAfter // still slowed, no longer locked
		}
		if now.Sub(a.last) > forgetAfter && a.lockedUntil.IsZero() {
			delete(l.keys, k)
			continue
		}
		if a.lockedUntil.After(locked) {
			locked = a.lockedUntil
		}
		if w := a.last.Add(l.slowDown(a)).Sub(now); w > wait {
			wait = w
		}
	}
	return wait, locked
}

// attempt checks the keys and, when the attempt may go on, counts it as a
// failure at once (undone by succeeded), so that parallel attempts cannot
// all pass. A refused attempt is not counted.
func (l *loginLimiter) attempt(keys ...string) (wait time.Duration, locked time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	wait, locked = l.checkLocked(keys)
	if locked.IsZero() && wait <= 0 {
		l.failLocked(keys)
	}
	return wait, locked
}

// fail records a failed attempt for every key.
func (l *loginLimiter) fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.failLocked(keys)
}

func (l *loginLimiter) failLocked(keys []string) {
	now := l.now()
	if len(l.keys) > 100000 { // bound memory under a flood of addresses
		for k, a := range l.keys {
			if now.Sub(a.last) > forgetAfter && a.lockedUntil.IsZero() {
				delete(l.keys, k)
			}
		}
	}
	for _, k := range keys {
		a := l.keys[k]
		if a == nil {
			a = &attempts{}
			l.keys[k] = a
		}
		a.failures++
		a.last = now
		if l.lockAfter > 0 && a.failures >= l.lockAfter && !isAddress(k) {
			a.lockedUntil = now.Add(lockFor)
		}
	}
}

// failedFrom records a failure from an address and returns how long its
// answer is to be held: nothing up to addrSlowAfter failures, then one
// unit more for each, at most five.
func (l *loginLimiter) failedFrom(address string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if a := l.keys[address]; a != nil && l.now().Sub(a.last) > forgetAfter {
		delete(l.keys, address)
	}
	l.failLocked([]string{address})
	a := l.keys[address]
	if a.failures <= addrSlowAfter {
		return 0
	}
	return min(time.Duration(a.failures-addrSlowAfter)*l.delay, 5*l.delay)
}

// succeed clears a key.
func (l *loginLimiter) succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, key)
}
