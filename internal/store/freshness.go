package store

// How a page or a document kept in memory learns that a row it shows has
// changed: the one list of it, table by table (TestEveryTableHasAFreshnessRule
// fails when a migration adds a table that is not here).
//
// Three mechanisms remain, each for what the others cannot do:
//
//   - Stamps (student_coverage.stamp, classes.stamp, both drawn from
//     stamp_counter by nextStamp): a cached output's key names one number
//     for everything it shows that lives in other rows — a student's
//     réalisations and what hangs from them, a class's members and their
//     coverage. The writes that change those rows renew the stamp in their
//     own transaction (refreshCoverage), so the new key exists as soon as
//     the write is visible.
//   - Triggers (migrations 00010, 00015, 00019): they move what a write
//     changes without the Go code doing it — a class's stamp when a
//     member's name, parcours or coverage changes or a member comes and
//     goes (cascading deletes included), users.unread when a notification
//     is added, read or deleted.
//   - The driver's hooks (changes.go): the memos (users, tableau versions,
//     classes, members, dashboard students) are emptied from SQLite's own
//     report of the rows a committed write changed, triggers included, so
//     no write path can forget to.
//
// The server keeps two settings in memory, dropped or replaced by the one
// handler that writes them: the roles that must sign in with the school's
// account (settings, setSSO) and the session texts (session_texts,
// setSessionTexts). Everything else is read again on every request.
var freshness = map[string]string{
	"users": "memos users and students (hook); the tableau's key names the fields it prints; " +
		"a name or parcours change moves the class stamp (trigger); users.unread is kept by triggers on notifications",
	"classes":                 "memo classes (hook); the dashboard's key names its fields and its stamp",
	"class_students":          "memo members (hook, whole table); moves the class stamp (triggers)",
	"class_teachers":          "memo classes (hook, whole table): who teaches whom",
	"student_coverage":        "memos versions and students (hook); its stamp is the tableau's and moves the class stamp (triggers)",
	"stamp_counter":           "the source of the stamps (nextStamp); not shown",
	"realisations":            "written with refreshCoverage: a new stamp for the student's tableau, coverage and class",
	"realisation_activities":  "written with its réalisation (refreshCoverage)",
	"realisation_competences": "written with its réalisation (refreshCoverage)",
	"realisation_types":       "written with its réalisation (refreshCoverage)",
	"productions":             "written with its réalisation (refreshCoverage)",
	"realisation_events":      "not kept: read on each request (history, review queue through the coverage row's queue)",
	"realisation_reads":       "not kept: read on each request",
	"comments":                "not kept: read on each request",
	"evidence":                "not kept: read on each request",
	"jury_links":              "memo versions (hook, whole table): the newest link's address is on the tableau (its key)",
	"jury_views":              "not kept: read on each request",
	"stages":                  "a change that shows on the tableau (its organisation) is written with refreshCoverage; the stage pages are not kept",
	"stage_weeks":             "not kept: read on each request",
	"stage_week_realisations": "not kept: read on each request",
	"attestations":            "not kept: read on each request",
	"notifications":           "not kept; its triggers keep users.unread (see users)",
	"mail_queue":              "not kept: the mail loop reads it",
	"mail_sent":               "not kept: the mail loop reads it",
	"audit_log":               "not kept: read on each request",
	"activation_tokens":       "not kept: read on each request",
	"sessions":                "the session manager's (scs): read on each request",
	"settings":                "read once by the server, replaced by the handler that writes it (setSSO)",
	"session_texts":           "read once by the server, forgotten by the handler that writes them (setSessionTexts)",
	"goose_db_version":        "the migrations': never shown",
}
