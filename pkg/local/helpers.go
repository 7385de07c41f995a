package local

import (
	"context"
	"syscall"

	"github.com/postern/postern/pkg/mailbox"
)

// rights are the credentials for the user attributes: the user's, or
// default_privs when no user context is set (uid 0). Used for file and
// command deliveries; for reading :include: files a zero uid means root.
func (a *Agent) rights(usr userAttr) mailbox.Cred {
	return mailbox.Cred{UID: usr.uid, GID: usr.gid}
}

// privRights are the rights of a /file or |command delivery: zero
// (unset) user or group become default_privs.
func (a *Agent) privRights(usr userAttr) mailbox.Cred {
	c := mailbox.Cred{UID: usr.uid, GID: usr.gid}
	if c.UID == 0 {
		c.UID = a.p.defaultUID
	}
	if c.GID == 0 {
		c.GID = a.p.defaultGID
	}
	return c
}

// stat runs stat(2) (lstat(2) with lstat) as cred in a helper process.
func (a *Agent) stat(ctx context.Context, cred mailbox.Cred, path string, lstat bool) (*mailbox.Response, error) {
	return a.runner.Call(ctx, cred, &mailbox.Request{Op: mailbox.OpStat, Path: path, Lstat: lstat}, nil)
}

// read reads a file as cred in a helper process.
func (a *Agent) read(ctx context.Context, cred mailbox.Cred, path string) ([]byte, syscall.Errno, error) {
	resp, err := a.runner.Call(ctx, cred, &mailbox.Request{Op: mailbox.OpRead, Path: path, MaxRead: maxFileRead}, nil)
	if err != nil {
		return nil, 0, err
	}
	return resp.Data, resp.Errno, nil
}
