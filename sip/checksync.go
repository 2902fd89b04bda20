package sip

import (
	"context"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"pbxws/models"
)

// check-sync (sipx-api.md §7.7): a phone told "Event: check-sync" fetches its profiles again
// (with ";reboot=true" it restarts to do so). Profiles are written on demand, so telling is
// all sendProfile has to do. The NOTIFYs are out of dialog, one per registered contact, sent
// from our listener over the contact's transport, as the proxy forwards INVITEs.

// checkSyncSlots bounds how many check-sync NOTIFYs are in flight at once, over every batch.
var checkSyncSlots = make(chan struct{}, 16)

// checkSyncWait is how long one NOTIFY may wait for its answer.
const checkSyncWait = 8 * time.Second

// CheckSync sends a check-sync NOTIFY to each contact in the background and returns at once.
// One goroutine walks the batch and starts each send only once it holds a slot: a batch
// waits, it does not park a goroutine per phone.
func (a *Agent) CheckSync(contacts []models.RegisteredContact, reboot bool) {
	event := "check-sync"
	if reboot {
		event += ";reboot=true"
	}
	var bs []binding
	for _, c := range contacts {
		var u sip.Uri
		if err := sip.ParseUri(c.Contact, &u); err != nil {
			a.log.Warn("check-sync: ignoring an unparsable stored contact", "contact", clip(c.Contact, 128), "err", err)
			continue
		}
		bs = append(bs, binding{uri: u, dest: strings.TrimPrefix(c.Received, "sip:")})
	}
	go func() {
		for _, b := range bs {
			select {
			case checkSyncSlots <- struct{}{}:
			case <-a.ctx.Done():
				return
			}
			go func() {
				defer func() { <-checkSyncSlots }()
				if err := a.notifyCheckSync(b, event); err != nil {
					a.log.Info("check-sync NOTIFY not answered", "contact", clip(b.uri.String(), 128), "err", err)
				}
			}()
		}
	}()
}

// notifyCheckSync sends one NOTIFY and waits for its final answer.
func (a *Agent) notifyCheckSync(b binding, event string) error {
	tp := b.transport()
	cli := a.clients[tp]
	if cli == nil {
		return errNoTransport
	}
	ruri := *b.uri.Clone()
	req := sip.NewRequest(sip.NOTIFY, ruri)
	from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: "pbxws", Host: a.cfg.Domain}}
	from.Params = sip.HeaderParams{}
	from.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(from)
	to := sip.Uri{Scheme: "sip", User: ruri.User, Host: a.cfg.Domain}
	req.AppendHeader(&sip.ToHeader{Address: to})
	cid := sip.CallIDHeader(randomHex(16) + "@" + a.advHost)
	req.AppendHeader(&cid)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: 1, MethodName: sip.NOTIFY})
	mf := sip.MaxForwardsHeader(70)
	req.AppendHeader(&mf)
	req.AppendHeader(sip.HeaderClone(&a.duas[tp].ContactHDR))
	req.AppendHeader(sip.NewHeader("Event", event))
	req.AppendHeader(sip.NewHeader("Subscription-State", "terminated;reason=noresource"))
	req.AppendHeader(sip.NewHeader("User-Agent", a.cfg.UserAgent))
	dest := b.dest
	if dest == "" {
		port := ruri.Port
		if port == 0 {
			port = sip.DefaultPort(tp)
		}
		dest = net.JoinHostPort(ruri.Host, strconv.Itoa(port))
	}
	req.SetDestination(dest)
	a.bindLocal(req, tp)
	ctx, cancel := context.WithTimeout(a.ctx, checkSyncWait)
	defer cancel()
	tx, err := cli.TransactionRequest(ctx, req, sipgo.ClientRequestAddVia, a.bindOption(tp))
	if err != nil {
		return err
	}
	defer tx.Terminate()
	for {
		select {
		case res := <-tx.Responses():
			if res.IsProvisional() {
				continue
			}
			if !res.IsSuccess() {
				a.log.Info("check-sync NOTIFY refused", "contact", clip(ruri.String(), 128), "status", res.StatusCode)
			} else {
				a.log.Debug("check-sync NOTIFY answered", "contact", clip(ruri.String(), 128), "status", res.StatusCode)
			}
			return nil
		case <-tx.Done():
			return tx.Err()
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
