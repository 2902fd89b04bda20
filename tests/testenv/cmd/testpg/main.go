// Command testpg starts, stops or names the shared PostgreSQL cluster the tests use, so that
// `make test` starts it once for every test package and stops it at the end.
//
//	go run ./tests/testenv/cmd/testpg start|stop|url
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	pbxsql "pbxws/sql"
	"pbxws/tests/testenv"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: testpg start|stop|url")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// The cluster outlives each testpg run: `testpg stop` stops it.
	cl, err := pbxsql.OpenCluster(ctx, testenv.ClusterDir(), pbxsql.ClusterOptions{Detached: true})
	if err != nil {
		fmt.Fprintln(os.Stderr, "testpg:", err)
		os.Exit(1)
	}
	switch os.Args[1] {
	case "start":
	case "url":
		fmt.Println(cl.DSN("postgres"))
	case "stop":
		if err := cl.StopRunning(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "testpg:", err)
			os.Exit(1)
		}
	default:
		fmt.Fprintln(os.Stderr, "usage: testpg start|stop|url")
		os.Exit(2)
	}
}
