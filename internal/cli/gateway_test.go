package cli

import "testing"

func TestGatewayUsage(t *testing.T) {
	for _, args := range [][]string{
		{"gateway"}, {"gateway", "x"},
		{"gateway", "--spool", "s", "--key-file", "k", "--donor", "D", "--to", "http://x/files/"},
	} {
		if code, _, _ := runCLI(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}
