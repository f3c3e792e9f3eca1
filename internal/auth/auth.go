// Package auth hashes and checks passwords.
package auth

import "golang.org/x/crypto/bcrypt"

// DefaultCost is the bcrypt cost of stored passwords (about 50 ms to check
// on the reference 2-core machine).
const DefaultCost = bcrypt.DefaultCost

// Hasher hashes passwords at a fixed bcrypt cost; tests use the minimum.
type Hasher struct{ Cost int }

// Hash returns the bcrypt hash of the password.
func (h Hasher) Hash(password string) (string, error) {
	cost := h.Cost
	if cost == 0 {
		cost = DefaultCost
	}
	b, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	return string(b), err
}

// dummyHash is checked when the account does not exist, so a login takes
// the same time whether the e-mail is known or not.
var dummyHash = []byte("$2a$10$L9oMjGUrM9eLte5eaS4QI.Esna0fpeXlqI3IsI33NYzbTuvYJWCT.")

// Check reports whether password matches hash. An empty hash (account
// without password yet) never matches, in the same time as a real check.
func Check(hash, password string) bool {
	if hash == "" {
		_ = bcrypt.CompareHashAndPassword(dummyHash, []byte(password))
		return false
	}
	err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
	return err == nil
}
