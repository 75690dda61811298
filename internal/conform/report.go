// Reports of a conformance run: human lines, JSON lines, JUnit XML.

package conform

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// WriteText writes one line per step (operations with their statuses, the
// verdict), then one indented line per violation.
func WriteText(w io.Writer, service string, results []Result) error {
	for _, r := range results {
		var ops []string
		for _, e := range r.Exchanges {
			op := e.Operation
			if op == "" {
				op = e.Method + " " + e.Path
			}
			if e.Status != 0 {
				op += fmt.Sprintf(" %d", e.Status)
			}
			ops = append(ops, op)
		}
		line := fmt.Sprintf("%-9s %-10s %s", service, strings.ToUpper(r.Verdict), r.Step)
		if len(ops) > 0 {
			line += "  [" + strings.Join(ops, ", ") + "]"
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
		for _, v := range r.Violations {
			fmt.Fprintf(w, "          - %s\n", v)
		}
		if r.Error != "" && r.Verdict != Pass {
			fmt.Fprintf(w, "          - %s\n", r.Error)
		}
		if r.Note != "" {
			fmt.Fprintf(w, "          - reached only: %s\n", r.Note)
		}
	}
	pass, bad, skipped := count(results)
	_, err := fmt.Fprintf(w, "%s: %d step(s) passed, %d with violations or errors, %d skipped\n", service, pass, bad, skipped)
	return err
}

func count(results []Result) (pass, bad, skipped int) {
	for _, r := range results {
		switch r.Verdict {
		case Pass, CleanedUp:
			pass++
		case Skipped:
			skipped++
		default:
			bad++
		}
	}
	return
}

// WriteJSON writes one JSON object per step.
func WriteJSON(w io.Writer, service string, results []Result) error {
	enc := json.NewEncoder(w)
	for _, r := range results {
		if err := enc.Encode(struct {
			Service string `json:"service"`
			Result
		}{service, r}); err != nil {
			return err
		}
	}
	return nil
}

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name     string      `xml:"name,attr"`
	Tests    int         `xml:"tests,attr"`
	Failures int         `xml:"failures,attr"`
	Errors   int         `xml:"errors,attr"`
	Skipped  int         `xml:"skipped,attr"`
	Cases    []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitMessage `xml:"failure,omitempty"`
	Error     *junitMessage `xml:"error,omitempty"`
	Skipped   *junitMessage `xml:"skipped,omitempty"`
}

type junitMessage struct {
	Message string `xml:"message,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the run as a JUnit XML report, a test case per step.
func WriteJUnit(w io.Writer, service string, results []Result) error {
	s := junitSuite{Name: "userapis conform " + service, Tests: len(results)}
	for _, r := range results {
		c := junitCase{Name: r.Step, Classname: "conform." + service}
		var lines []string
		for _, v := range r.Violations {
			lines = append(lines, v.String())
		}
		switch r.Verdict {
		case Violated:
			s.Failures++
			c.Failure = &junitMessage{Message: fmt.Sprintf("%d violation(s)", len(r.Violations)), Text: strings.Join(append(lines, r.Error), "\n")}
		case Failed:
			s.Errors++
			c.Error = &junitMessage{Message: r.Error, Text: strings.Join(lines, "\n")}
		case Skipped:
			s.Skipped++
			c.Skipped = &junitMessage{Message: r.Error}
		}
		s.Cases = append(s.Cases, c)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitSuites{Suites: []junitSuite{s}}); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
