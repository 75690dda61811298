//go:build tools

// Package tools pins the code generator so that `go generate ./...` runs the
// same oapi-codegen version on every machine.
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
