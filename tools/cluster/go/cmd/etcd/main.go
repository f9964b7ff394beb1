// Command etcd is a thin wrapper around etcd's own main package
// (go.etcd.io/etcd/server/v3/etcdmain), so that etcd is built from the
// pinned module in go.mod together with the Kubernetes binaries.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
