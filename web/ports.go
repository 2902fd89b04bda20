package web

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"
)

// checkPorts tries every fixed listen address once before anything starts, so that all the
// collisions are reported together, each with the flag and environment variable to change.
// Addresses with port 0 are picked by the system and cannot collide.
func checkPorts(c Config) error {
	var taken []string
	for _, l := range c.listenSettings() {
		if l.addr == "" || strings.HasSuffix(l.addr, ":0") {
			continue
		}
		for _, network := range l.networks {
			if err := tryListen(network, l.addr); err != nil {
				taken = append(taken, fmt.Sprintf("  -%s %s (%s, %s): %s", l.flag, l.addr, EnvName(l.flag), network, reason(err)))
			}
		}
	}
	if len(taken) == 0 {
		return nil
	}
	return fmt.Errorf("cannot listen:\n%s\nchange these settings, or stop what holds the ports (another pbxws may be running: pbxws db status names the one that owns the private cluster)",
		strings.Join(taken, "\n"))
}

func tryListen(network, addr string) error {
	if network == "udp" {
		c, err := net.ListenPacket("udp", addr)
		if err == nil {
			c.Close()
		}
		return err
	}
	l, err := net.Listen("tcp", addr)
	if err == nil {
		l.Close()
	}
	return err
}

func reason(err error) string {
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return "address already in use"
	case errors.Is(err, syscall.EACCES):
		return "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
	case errors.Is(err, syscall.EADDRNOTAVAIL):
		return "no such local address"
	}
	return err.Error()
}

// program is how to run pbxws in hints.
func (c Config) program() string {
	if c.Program != "" {
		return c.Program
	}
	return "pbxws"
}

func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./:=") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
