package server

import (
	"sync"
	"time"
)

// loginLimiter slows then refuses logins after repeated failures, per
// account and per client address: from the 3rd failure each attempt waits
// a little longer (up to 5 s), from the 10th the key is locked for 15
// minutes. A success clears the account's count. State is in memory: a
// restart forgives everyone, which is acceptable for a single server.
type loginLimiter struct {
	mu    sync.Mutex
	keys  map[string]*attempts
	now   func() time.Time
	delay time.Duration // unit of the slow-down (1 s; tests shorten it)
}

type attempts struct {
	failures    int
	last        time.Time
	lockedUntil time.Time
}

const (
	slowAfter   = 3
	lockAfter   = 10
	lockFor     = 15 * time.Minute
	forgetAfter = 30 * time.Minute
)

func newLoginLimiter(now func() time.Time, delay time.Duration) *loginLimiter {
	return &loginLimiter{keys: map[string]*attempts{}, now: now, delay: delay}
}

// check returns how long to wait before trying, and until when the key is
// locked (zero when it is not).
func (l *loginLimiter) check(keys ...string) (wait time.Duration, locked time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	for _, k := range keys {
		a := l.keys[k]
		if a == nil {
			continue
		}
		if now.Sub(a.last) > forgetAfter && now.After(a.lockedUntil) {
			delete(l.keys, k)
			continue
		}
		if now.Before(a.lockedUntil) && a.lockedUntil.After(locked) {
			locked = a.lockedUntil
		}
		if a.failures >= slowAfter {
			w := time.Duration(a.failures-slowAfter+1) * l.delay
			if w > 5*l.delay {
				w = 5 * l.delay
			}
			if w > wait {
				wait = w
			}
		}
	}
	return wait, locked
}

// fail records a failed attempt for every key.
func (l *loginLimiter) fail(keys ...string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.keys) > 100000 { // bound memory under a flood of addresses
		for k, a := range l.keys {
			if now.Sub(a.last) > forgetAfter {
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
		if a.failures >= lockAfter {
			a.lockedUntil = now.Add(lockFor)
		}
	}
}

// succeed clears a key.
func (l *loginLimiter) succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, key)
}
