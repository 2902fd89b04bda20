package handlers

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"

	"pbxws/models"
)

// The sipX /api prompts (sipx-api.md §4): the stored audio files of one family (moh,
// pagegroups, orbits), listed, uploaded (multipart, validated part by part), downloaded and
// deleted.

// errPromptNotFound is §4.3's 404.
var errPromptNotFound = &APIError{Status: http.StatusNotFound, Msg: "Prompt not found"}

// APIPrompts is the list, download and delete of one family's files (the façade streams
// uploads through UploadPrompts and serves the bytes a download finds).
func APIPrompts(st *models.Stores, family string) *Resource {
	return &Resource{DefaultAct: "list", Acts: map[string]Act{
		"list": func(ctx context.Context, r *Request) (Result, error) {
			files, err := st.AudioFiles.List(ctx, family)
			if err != nil {
				return Result{}, err
			}
			items := make([]any, len(files))
			for i, f := range files {
				items[i] = APIObject{{Name: "name", Value: f.Name}, {Name: "type", Value: f.ContentType},
					{Name: "size", Value: f.Size}, {Name: "path", Value: f.Name}}
			}
			return Result{JSON: APIDoc{Root: "Files", Key: "files", Value: APIList{Item: "File", Items: items}}}, nil
		},
		"download": func(ctx context.Context, r *Request) (Result, error) {
			name := r.PathParams["name"]
			if _, err := models.AudioNameType(name); err != nil {
				return Result{}, errPromptNotFound // no such name can be stored
			}
			f, err := st.AudioFiles.Get(ctx, family, name)
			if errors.Is(err, models.ErrNotFound) {
				return Result{}, errPromptNotFound
			} else if err != nil {
				return Result{}, err
			}
			return Result{JSON: PromptFile{f}}, nil
		},
		"delete": func(ctx context.Context, r *Request) (Result, error) {
			name := r.PathParams["name"]
			if _, err := models.AudioNameType(name); err != nil {
				return Result{}, errPromptNotFound
			}
			var inUse *models.InUseError
			switch err := st.AudioFiles.Delete(ctx, family, name); {
			case errors.Is(err, models.ErrNotFound):
				return Result{}, errPromptNotFound
			case errors.As(err, &inUse):
				return Result{}, &APIError{Status: http.StatusConflict, Msg: inUse.Msg}
			case err != nil:
				return Result{}, err
			}
			return Done(), nil
		},
	}}
}

// PromptFile is a download's file; the façade writes its bytes (ranges, ETag).
type PromptFile struct{ *models.AudioFile }

// PromptLimits bound an upload (§4.2): bytes per file, bytes per family, parts per request.
type PromptLimits struct {
	File, Family int64
	Parts        int
	// Admit, when set, waits for the database's turn before each file is stored (the
	// façade's write admission) and returns the function that gives the turn back.
	Admit func() (leave func(), err error)
}

// UploadPrompts stores the files of a multipart upload into a family, one part at a time,
// each read only up to the file limit: nil when every file was stored; a 400 naming the
// files that were not (bad name or content, name already stored; the good ones stay); a 413
// when a file, the family or the part count goes over its limit (the rest of the body is
// not read).
func UploadPrompts(ctx context.Context, st *models.Stores, family string, mr *multipart.Reader, lim PromptLimits) error {
	var failed []string
	parts, files := 0, 0
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var tooBig *uploadTooLarge
			if errors.As(err, &tooBig) {
				return &APIError{Status: http.StatusRequestEntityTooLarge, Msg: tooBig.Error()}
			}
			return &APIError{Status: http.StatusBadRequest, Msg: "malformed multipart body: " + err.Error()}
		}
		if parts++; parts > lim.Parts {
			return &APIError{Status: http.StatusRequestEntityTooLarge, Msg: fmt.Sprintf("an upload holds at most %d parts", lim.Parts)}
		}
		name, isFile, err := partFileName(part)
		if err != nil {
			return &APIError{Status: http.StatusBadRequest, Msg: "a part's Content-Disposition is malformed: " + err.Error()}
		}
		if !isFile {
			continue // a form field, not a file
		}
		files++
		data, sum, err := readPart(part, lim.File)
		if err != nil {
			var tooBig *uploadTooLarge
			if errors.As(err, &tooBig) {
				return &APIError{Status: http.StatusRequestEntityTooLarge, Msg: name + ": " + tooBig.Error()}
			}
			return &APIError{Status: http.StatusBadRequest, Msg: "malformed multipart body: " + err.Error()}
		}
		ctype, err := models.AudioNameType(name)
		if err != nil || models.SniffAudio(data) != ctype {
			failed = append(failed, name)
			continue
		}
		err = addPrompt(ctx, st, lim, &models.AudioFile{Family: family, Name: name, ContentType: ctype,
			Size: int64(len(data)), SHA256: sum, Data: data})
		var ce *models.ConflictError
		switch {
		case errors.As(err, &ce):
			failed = append(failed, name)
		case errors.Is(err, models.ErrAudioFamilyFull):
			return &APIError{Status: http.StatusRequestEntityTooLarge,
				Msg: fmt.Sprintf("%s: the %s files would exceed %d bytes in all", name, family, lim.Family)}
		case err != nil:
			return err
		}
	}
	switch {
	case len(failed) > 0:
		return &APIError{Status: http.StatusBadRequest, Msg: strings.Join(failed, ",")}
	case files == 0:
		return &APIError{Status: http.StatusBadRequest, Msg: "the upload holds no file (a part with a Content-Disposition filename)"}
	}
	return nil
}

// addPrompt stores one file in its turn.
func addPrompt(ctx context.Context, st *models.Stores, lim PromptLimits, f *models.AudioFile) error {
	if lim.Admit != nil {
		leave, err := lim.Admit()
		if err != nil {
			return err
		}
		defer leave()
	}
	return st.AudioFiles.Add(ctx, f, lim.Family)
}

// partFileName is the file name a part's Content-Disposition gives (filename, or filename*
// which the mime package decodes into it), verbatim: unlike Part.FileName it keeps any
// directory in it, so that such a name is refused rather than silently shortened.
func partFileName(p *multipart.Part) (string, bool, error) {
	cd := p.Header.Get("Content-Disposition")
	if cd == "" {
		return "", false, nil
	}
	_, params, err := mime.ParseMediaType(cd)
	if err != nil {
		return "", false, err
	}
	name, ok := params["filename"]
	return name, ok, nil
}

// uploadTooLarge is a file or body over its limit.
type uploadTooLarge struct{ limit int64 }

func (e *uploadTooLarge) Error() string { return fmt.Sprintf("larger than %d bytes", e.limit) }

// UploadTooLarge is the error a body reader returns past the request's limit.
func UploadTooLarge(limit int64) error { return &uploadTooLarge{limit: limit} }

// readPart reads one file up to limit bytes, hashing it as it goes.
func readPart(p *multipart.Part, limit int64) ([]byte, string, error) {
	h := sha256.New()
	data, err := io.ReadAll(io.TeeReader(io.LimitReader(p, limit+1), h))
	if err != nil {
		return nil, "", err
	}
	if int64(len(data)) > limit {
		return nil, "", &uploadTooLarge{limit: limit}
	}
	return data, hex.EncodeToString(h.Sum(nil)), nil
}
