package handlers

import (
	"context"
)

// Singleton is the kit's shape for an object that exists once (general settings, the
// queue logger's configuration): no id, the acts view (the default: a request without an
// act sees the object, unlike XiVO's `null`) and, when Edit is set, edit, which merges the
// body over the stored object in one locked transaction as every kit edit does.
type Singleton[Obj any] struct {
	Codec ObjectCodec[Obj]
	Get   func(ctx context.Context) (*Obj, error)
	// Edit locks the stored object, lets merge apply the body, validates and writes; nil
	// means the object is read-only.
	Edit func(ctx context.Context, merge func(stored *Obj) (*Obj, error)) error
}

// Resource builds the façade-facing Resource. An id, when a client sends one (`id=` of
// xivo-ws-debug), names nothing and is ignored.
func (s *Singleton[Obj]) Resource() *Resource {
	acts := map[string]Act{"view": s.view}
	if s.Edit != nil {
		acts["edit"] = s.edit
	}
	return &Resource{DefaultAct: "view", Acts: acts}
}

func (s *Singleton[Obj]) view(ctx context.Context, _ *Request) (Result, error) {
	o, err := s.Get(ctx)
	if err != nil {
		return Result{}, WireErrors(err, s.Codec.Field)
	}
	return Object(s.Codec.View(o)), nil
}

func (s *Singleton[Obj]) edit(ctx context.Context, r *Request) (Result, error) {
	body, err := DecodeBody(r.Body)
	if err != nil {
		return Result{}, err
	}
	err = s.Edit(ctx, func(stored *Obj) (*Obj, error) { return s.Codec.Decode(body, stored) })
	return Done(), WireErrors(err, s.Codec.Field)
}
