package client

import (
	"context"
	"errors"
	"slices"
	"testing"
)

// Items that arrive together with an error are yielded before the error.
func TestPaginateYieldsItemsBeforeError(t *testing.T) {
	boom := errors.New("boom")
	calls := 0
	seq := paginate(context.Background(), func(context.Context) ([]int, bool, error) {
		calls++
		if calls == 1 {
			return []int{1, 2}, true, nil
		}
		return []int{3}, true, boom
	})
	var got []int
	var errs []error
	for v, err := range seq {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, v)
	}
	if !slices.Equal(got, []int{1, 2, 3}) || len(errs) != 1 || !errors.Is(errs[0], boom) || calls != 2 {
		t.Fatalf("got %v errs %v calls %d", got, errs, calls)
	}
}
