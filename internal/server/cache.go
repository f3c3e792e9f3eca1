package server

import (
	"sync"

	"github.com/portfolio-sio/portfolio/internal/portfolio"
)

// realisationCache keeps each student's réalisations, as last read, with
// the stamp they were read at: the tableau page then costs one query
// instead of five while nothing changed (store.RealisationsStamp moves on
// every write). Bounded; entries are evicted at random when full.
type realisationCache struct {
	mu      sync.Mutex
	entries map[int64]cachedRealisations
	max     int
}

type cachedRealisations struct {
	stamp int64
	list  []portfolio.Realisation
}

func newRealisationCache(max int) *realisationCache {
	return &realisationCache{entries: map[int64]cachedRealisations{}, max: max}
}

// get returns the list if it was cached at that stamp. The list is shared:
// callers only read it.
func (c *realisationCache) get(studentID, stamp int64) ([]portfolio.Realisation, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[studentID]
	if !ok || e.stamp != stamp {
		return nil, false
	}
	return e.list, true
}

func (c *realisationCache) put(studentID, stamp int64, list []portfolio.Realisation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		for k := range c.entries { // map order is random: a random eviction
			delete(c.entries, k)
			break
		}
	}
	c.entries[studentID] = cachedRealisations{stamp: stamp, list: list}
}
