// Package web is pbxws's HTTP side and composition root: configuration, listeners (HTTP and
// HTTPS), the Fiber app and its middleware, the route table of all three façades (routes.go),
// the json.php gate, and rendering of handler results and errors.
//
// web may import every other package of pbxws; nothing imports web except cmd/pbxws and tests.
package web
