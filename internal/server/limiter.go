package server

import (
	"sync"
	"time"
)

// loginLimiter slows then refuses logins after repeated failures. Per
// account: from the 3rd failure each attempt waits a little longer (up to
// 5 s), from the 10th the account is locked for 15 minutes. Per client
// address: slowed from the 20th failure, never locked, since a whole
// school often shares one address. Attempts are counted when they start,
// so a burst of parallel tries is counted too; a success clears the
// account and gives the address its attempt back. State is in memory: a
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
	slowAfter     = 3
	lockAfter     = 10
	addrSlowAfter = 20
	lockFor       = 15 * time.Minute
	forgetAfter   = 30 * time.Minute
)

// isAddress tells the per-address keys from the per-account ones.
func isAddress(key string) bool { return len(key) > 3 && key[:3] == "ip:" }

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
		threshold := slowAfter
		if isAddress(k) {
			threshold = addrSlowAfter
		}
		if a.failures >= threshold {
			w := time.Duration(a.failures-threshold+1) * l.delay
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
		if a.failures >= lockAfter && !isAddress(k) {
			a.lockedUntil = now.Add(lockFor)
		}
	}
}

// attempt checks the keys and counts this attempt as a failure at once
// (undone by succeed), so that parallel attempts cannot all pass.
func (l *loginLimiter) attempt(keys ...string) (wait time.Duration, locked time.Time) {
	wait, locked = l.check(keys...)
	if locked.IsZero() {
		l.fail(keys...)
	}
	return wait, locked
}

// succeeded clears the account and gives the address its attempt back.
func (l *loginLimiter) succeeded(account, address string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, account)
	if a := l.keys[address]; a != nil && a.failures > 0 {
		a.failures--
	}
}

// succeed clears a key.
func (l *loginLimiter) succeed(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.keys, key)
}
