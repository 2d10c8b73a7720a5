package birads

// The rule catalogue of the package documentation (rules_doc.go), the
// RuleID constants (ruleids.go) and the JSON Schema of the form
// (schema/form.schema.json) are generated from the rule table and the form
// types by the test that also fails when they are stale.

//go:generate go test -run ^TestGenerated$ -update .
