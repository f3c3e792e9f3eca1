// Package referentiel embeds the official référentiels as JSON data files.
// The Go code that loads and validates them lives in internal/referentiel.
package referentiel

import "embed"

// FS holds every référentiel data file (*.json).
//
//go:embed *.json
var FS embed.FS
