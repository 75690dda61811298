package contracttest

import (
	"fmt"
	"testing"

	"github.com/userapis/userapis-go/internal/services"
)

// TestContract runs every facade method of each service against its fake
// through the validating transport (one subtest per service), then prints
// the coverage table and fails if an operation was not exercised or any
// request or response broke its document.
// scenarios are the contract walks, one per service of the table.
var scenarios = map[string]func(t *testing.T, register func(*env)){
	"kipu": kipuScenario, "harbor": harborScenario, "homebox": homeboxScenario, "vectara": vectaraScenario,
}

func TestContract(t *testing.T) {
	type scenario struct {
		name string
		run  func(t *testing.T, register func(*env))
	}
	var list []scenario
	for _, svc := range services.All {
		run, ok := scenarios[svc.Name]
		if !ok {
			t.Fatalf("no contract scenario for service %q of the table", svc.Name)
		}
		list = append(list, scenario{svc.Name, run})
	}
	rows := make([]report, 0, len(list))
	for _, s := range list {
		var e *env
		t.Run(s.name, func(t *testing.T) { s.run(t, func(x *env) { e = x }) })
		r := report{service: s.name}
		if e != nil {
			r.ran = true
			r.ops, r.covered, r.statuses, r.errs = e.ops, e.tr.Covered(), e.tr.Statuses(), e.tr.Errors()
		}
		rows = append(rows, r)
	}

	out := table(rows)
	t.Log("\n" + out)
	fmt.Println(out)

	allRan, total := true, 0
	for _, r := range rows {
		if !r.ran {
			allRan = false
			t.Logf("%s: not run (filtered out)", r.service)
			continue
		}
		total += len(r.ops)
		if m := r.missing(); len(m) > 0 {
			t.Errorf("%s: %d operation(s) never exercised: %v", r.service, len(m), m)
		}
		for _, err := range r.errs {
			t.Errorf("%s: contract violation: %v", r.service, err)
		}
	}
	if want := tableOperations(t); allRan && total != want {
		t.Errorf("the scenarios saw documents holding %d operations; the service table's documents hold %d", total, want)
	}
}

// tableOperations counts the operations of every service of the table, from
// the embedded documents.
func tableOperations(t *testing.T) int {
	n := 0
	for _, svc := range services.All {
		ops, err := svc.Operations()
		if err != nil {
			t.Fatal(err)
		}
		n += len(ops)
	}
	return n
}
