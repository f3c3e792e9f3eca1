// Package migrations embeds the goose SQL migrations applied at start-up.
package migrations

import "embed"

// FS holds the migration files, applied in order by goose.
//
//go:embed *.sql
var FS embed.FS
