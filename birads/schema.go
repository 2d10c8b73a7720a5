package birads

import (
	"bytes"
	_ "embed"
)

//go:embed schema/form.schema.json
var formSchema []byte

// FormSchema returns the JSON Schema (draft 2020-12) of the form's JSON
// encoding, for validating forms with other tools. [DecodeForm] checks
// more than the schema can: shapes that depend on other fields and, with
// [Engine.Evaluate], the rules.
func FormSchema() []byte { return bytes.Clone(formSchema) }
