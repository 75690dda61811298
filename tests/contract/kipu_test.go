package contracttest

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/userapis/userapis-go/client"
	"github.com/userapis/userapis-go/fake/kipufake"
	"github.com/userapis/userapis-go/gen/kipu"
)

// pngImage is a 1x1 PNG.
var pngImage = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99=\x1d\x00\x00\x00\x00IEND\xaeB`\x82")

func kipuScenario(t *testing.T, register func(*env)) {
	ctx := context.Background()
	srv := kipufake.Start()
	t.Cleanup(srv.Close)
	e := newEnv(t, "kipu", srv.URL, nil)
	register(e)
	newClient := func(token string) *client.Kipu {
		c, err := client.NewKipu(e.opts(srv.URL, client.WithPersonalAccessToken(token))...)
		require.NoError(t, err)
		return c
	}
	ada := newClient(srv.Token)
	bad := newClient("kqh_pat_not_a_real_token_000000")
	// An identity whose profile is not provisioned yet: every /me
	// operation but GET /me answers 403.
	_, pendingToken := srv.Fake.AddIdentity(kipufake.Identity{Email: "newcomer@example.com", Firstname: "New", Lastname: "Comer"})
	pending := newClient(pendingToken)

	// getCurrentUser: 200, 401.
	me, _, err := ada.GetCurrentUser(ctx)
	require.NoError(t, err)
	assert.Equal(t, kipufake.AdaID, me.ID)
	assert.Equal(t, "ada@example.com", *me.Email)
	_, _, err = bad.GetCurrentUser(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "getCurrentUser with an unknown token")

	// updateCurrentUser: 200, 401, 403.
	u, _, err := ada.UpdateCurrentUser(ctx, kipu.UpdateUserRequest{CurrentPosition: client.Ptr("Engineer"), Homepage: client.Ptr("https://example.com/ada")})
	require.NoError(t, err)
	assert.Equal(t, "Engineer", *u.CurrentPosition)
	assert.Nil(t, u.About, "replace semantics: an omitted field is cleared")
	_, _, err = bad.UpdateCurrentUser(ctx, kipu.UpdateUserRequest{})
	wantStatus(t, err, http.StatusUnauthorized, "updateCurrentUser with an unknown token")
	_, _, err = pending.UpdateCurrentUser(ctx, kipu.UpdateUserRequest{})
	wantStatus(t, err, http.StatusForbidden, "updateCurrentUser before provisioning")

	// updateCurrentUserProfileImage: 204, 400 (too large), 401, 403;
	// getUserProfileImage: 200, 204, 404.
	_, err = ada.UpdateCurrentUserProfileImage(ctx, "ada.png", bytes.NewReader(pngImage))
	require.NoError(t, err)
	img, _, err := ada.GetUserProfileImage(ctx, kipufake.AdaID)
	require.NoError(t, err)
	require.NotNil(t, img)
	ct, data, err := client.ParseDataURI(*img)
	require.NoError(t, err)
	assert.Equal(t, "image/png", ct)
	assert.Equal(t, pngImage, data)
	big := append(slices.Clone(pngImage), make([]byte, 5<<20)...)
	_, err = ada.UpdateCurrentUserProfileImage(ctx, "huge.png", bytes.NewReader(big))
	wantStatus(t, err, http.StatusBadRequest, "updateCurrentUserProfileImage over the size limit")
	_, err = bad.UpdateCurrentUserProfileImage(ctx, "x.png", bytes.NewReader(pngImage))
	wantStatus(t, err, http.StatusUnauthorized, "updateCurrentUserProfileImage with an unknown token")
	_, err = pending.UpdateCurrentUserProfileImage(ctx, "x.png", bytes.NewReader(pngImage))
	wantStatus(t, err, http.StatusForbidden, "updateCurrentUserProfileImage before provisioning")
	alanImg, _, err := ada.GetUserProfileImage(ctx, kipufake.AlanID)
	require.NoError(t, err)
	require.NotNil(t, alanImg)
	assert.True(t, strings.HasPrefix(*alanImg, "data:image/png;base64,"))
	graceImg, _, err := ada.GetUserProfileImage(ctx, kipufake.GraceID)
	require.NoError(t, err)
	assert.Nil(t, graceImg, "Grace has no image: null")
	_, _, err = ada.GetUserProfileImage(ctx, "no-such-user")
	wantStatus(t, err, http.StatusNotFound, "getUserProfileImage of an unknown user")

	// deleteCurrentUserProfileImage: 204 (twice: idempotent), 401, 403.
	_, err = ada.DeleteCurrentUserProfileImage(ctx)
	require.NoError(t, err)
	_, err = ada.DeleteCurrentUserProfileImage(ctx)
	require.NoError(t, err)
	img, _, err = ada.GetUserProfileImage(ctx, kipufake.AdaID)
	require.NoError(t, err)
	assert.Nil(t, img)
	_, err = bad.DeleteCurrentUserProfileImage(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "deleteCurrentUserProfileImage with an unknown token")
	_, err = pending.DeleteCurrentUserProfileImage(ctx)
	wantStatus(t, err, http.StatusForbidden, "deleteCurrentUserProfileImage before provisioning")

	// getPersonalAccessTokens: 200, 401, 403.
	list, _, err := ada.GetPersonalAccessTokens(ctx)
	require.NoError(t, err)
	var names []string
	for _, tok := range list.Tokens {
		names = append(names, tok.Name)
		assert.Empty(t, tok.Value, "a listed token never carries its raw value")
		assert.False(t, tok.CreatedAt.IsZero(), "createdAt parsed")
	}
	assert.Subset(t, names, []string{"ci-token", "laptop"})
	_, _, err = bad.GetPersonalAccessTokens(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "getPersonalAccessTokens with an unknown token")
	_, _, err = pending.GetPersonalAccessTokens(ctx)
	wantStatus(t, err, http.StatusForbidden, "getPersonalAccessTokens before provisioning")

	// createPersonalAccessToken: 200, 400 (blank name, past expiry), 401, 403.
	created, _, err := ada.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: "contract"})
	require.NoError(t, err)
	require.NotEmpty(t, created.Value, "the raw value is shown at creation")
	_, _, err = ada.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: "   "})
	wantStatus(t, err, http.StatusBadRequest, "createPersonalAccessToken with a blank name")
	past := time.Now().AddDate(-1, 0, 0)
	_, _, err = ada.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: "old", ExpiresAt: past})
	wantStatus(t, err, http.StatusBadRequest, "createPersonalAccessToken expiring in the past")
	_, _, err = bad.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: "x"})
	wantStatus(t, err, http.StatusUnauthorized, "createPersonalAccessToken with an unknown token")
	_, _, err = pending.CreatePersonalAccessToken(ctx, client.KipuTokenRequest{Name: "x"})
	wantStatus(t, err, http.StatusForbidden, "createPersonalAccessToken before provisioning")

	// authorizeByPersonalAccessToken: 200, then 401 once revoked.
	principal, _, err := ada.AuthorizeByPersonalAccessToken(ctx, created.Value)
	require.NoError(t, err)
	assert.Equal(t, kipufake.AdaID, principal.UserID)

	// deletePersonalAccessToken: 204, 404, 403 (another user's), 401.
	_, err = ada.DeletePersonalAccessToken(ctx, created.ID)
	require.NoError(t, err)
	_, _, err = ada.AuthorizeByPersonalAccessToken(ctx, created.Value)
	wantStatus(t, err, http.StatusUnauthorized, "authorizeByPersonalAccessToken with a revoked token")
	_, err = ada.DeletePersonalAccessToken(ctx, created.ID)
	wantStatus(t, err, http.StatusNotFound, "deletePersonalAccessToken twice")
	_, err = ada.DeletePersonalAccessToken(ctx, kipufake.AlanTokenID)
	wantStatus(t, err, http.StatusForbidden, "deletePersonalAccessToken of another user's token")
	_, err = bad.DeletePersonalAccessToken(ctx, kipufake.AlanTokenID)
	wantStatus(t, err, http.StatusUnauthorized, "deletePersonalAccessToken with an unknown token")
	_, err = pending.DeletePersonalAccessToken(ctx, kipufake.AlanTokenID)
	wantStatus(t, err, http.StatusForbidden, "deletePersonalAccessToken before provisioning")

	// getUserById: 200, 404. checkUserExists: 200, 404.
	alan, _, err := ada.GetUserByID(ctx, kipufake.AlanID)
	require.NoError(t, err)
	assert.Equal(t, "Alan", *alan.Firstname)
	_, _, err = ada.GetUserByID(ctx, "no-such-user")
	wantStatus(t, err, http.StatusNotFound, "getUserById of an unknown user")
	exists, _, err := ada.CheckUserExists(ctx, kipufake.GraceID)
	require.NoError(t, err)
	assert.True(t, exists)
	exists, _, err = ada.CheckUserExists(ctx, "no-such-user")
	require.NoError(t, err)
	assert.False(t, exists)

	// getUserRegistrationStatus: 200 for known and unknown emails.
	st, _, err := ada.GetUserRegistrationStatus(ctx, kipufake.PendingEmail)
	require.NoError(t, err)
	assert.Equal(t, kipu.RegistrationResponseStatusPENDING, st.Status)
	st, _, err = ada.GetUserRegistrationStatus(ctx, "nobody@example.com")
	require.NoError(t, err)
	assert.Equal(t, kipu.RegistrationResponseStatusNOTFOUND, st.Status)

	// searchUsers: 200 (hits and none), 401, 403.
	hits, _, err := ada.SearchUsers(ctx, "LOV")
	require.NoError(t, err)
	require.Len(t, hits, 1)
	assert.Equal(t, kipufake.AdaID, hits[0].ID)
	none, _, err := ada.SearchUsers(ctx, "zzz-nobody")
	require.NoError(t, err)
	assert.Empty(t, none)
	_, _, err = bad.SearchUsers(ctx, "a")
	wantStatus(t, err, http.StatusUnauthorized, "searchUsers with an unknown token")

	// regenerateDefaultPersonalAccessToken: 200 (the old value dies), 401, 403.
	_, regenToken := srv.Fake.AddUser(kipufake.Identity{Email: "regen@example.com", Firstname: "Re", Lastname: "Gen"})
	regen := newClient(regenToken)
	d, _, err := regen.RegenerateDefaultPersonalAccessToken(ctx)
	require.NoError(t, err)
	assert.NotEqual(t, regenToken, d.DefaultToken)
	_, _, err = regen.GetCurrentUser(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "the old default token after regeneration")
	_, _, err = newClient(d.DefaultToken).GetCurrentUser(ctx)
	require.NoError(t, err, "the new default token works")
	_, _, err = bad.RegenerateDefaultPersonalAccessToken(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "regenerateDefaultPersonalAccessToken with an unknown token")
	_, _, err = pending.RegenerateDefaultPersonalAccessToken(ctx)
	wantStatus(t, err, http.StatusForbidden, "regenerateDefaultPersonalAccessToken before provisioning")

	// deleteCurrentUser: 204 (then the user is gone and its token dead), 401, 403.
	goneID, goneToken := srv.Fake.AddUser(kipufake.Identity{Email: "leaving@example.com", Firstname: "Lea", Lastname: "Ving"})
	gone := newClient(goneToken)
	_, err = gone.DeleteCurrentUser(ctx)
	require.NoError(t, err)
	exists, _, err = ada.CheckUserExists(ctx, goneID)
	require.NoError(t, err)
	assert.False(t, exists)
	_, err = gone.DeleteCurrentUser(ctx)
	wantStatus(t, err, http.StatusUnauthorized, "deleteCurrentUser with the deleted user's token")
	_, err = pending.DeleteCurrentUser(ctx)
	wantStatus(t, err, http.StatusForbidden, "deleteCurrentUser before provisioning")

	// GET /me provisions the pending identity; then its /me calls work.
	pme, _, err := pending.GetCurrentUser(ctx)
	require.NoError(t, err)
	assert.Equal(t, "newcomer@example.com", *pme.Email)
	_, _, err = pending.GetPersonalAccessTokens(ctx)
	require.NoError(t, err)

	// Refused before sending: nothing reaches the fake.
	_, _, err = ada.GetUserByID(ctx, "..")
	assert.True(t, errors.Is(err, client.ErrInvalidParam), "getUserById(\"..\") must be refused, got %v", err)
}
