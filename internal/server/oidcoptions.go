package server

import (
	"github.com/gatehouse/gatehouse/internal/config"
	"github.com/gatehouse/gatehouse/internal/oidcclient"
)

// oidcOptions is what the relying party needs of the config.
func oidcOptions(cfg *config.Config) oidcclient.Options {
	opts := oidcclient.Options{
		Issuer:       cfg.OIDC.Issuer,
		ClientID:     cfg.OIDC.ClientID,
		ClientSecret: cfg.OIDC.ClientSecret,
		RedirectURL:  cfg.RedirectURL(),
		Scopes:       cfg.OIDC.Scopes,
		AuthMethod:   cfg.OIDC.TokenAuthMethod,
		ClockSkew:    cfg.OIDC.ClockSkew,
		HTTPTimeout:  cfg.OIDC.HTTPTimeout,
		Userinfo:     cfg.OIDC.Userinfo,
	}
	if k := cfg.OIDC.ClientKey; k.Signer != nil {
		opts.ClientKey = oidcclient.ClientKey{Signer: k.Signer, Alg: k.Alg, KeyID: k.KID}
	}
	return opts
}
