package sendmail

import (
	"os"
	"os/user"
	"strconv"
	"strings"
)

// fullName is fullname(): $NAME, else the password file's GECOS field
// up to the first ',', ';' or '%', with each '&' replaced by the login
// name with its first letter capitalized.
func fullName() (string, bool) {
	if v, ok := os.LookupEnv("NAME"); ok {
		return v, true
	}
	u, err := user.LookupId(strconv.Itoa(os.Getuid()))
	if err != nil {
		return "", false
	}
	gecos := u.Name
	if i := strings.IndexAny(gecos, ",;%"); i >= 0 {
		gecos = gecos[:i]
	}
	login := u.Username
	if login != "" {
		login = strings.ToUpper(login[:1]) + login[1:]
	}
	return strings.ReplaceAll(gecos, "&", login), true
}
