/*
 * Consulta: libsrtp 3 API shim over Debian's libsrtp2 (2.5).
 *
 * mediasoup 3.27's worker includes <srtp.h> and is written against libsrtp 3
 * (versatica's fork, fetched by its meson wrap). Debian bookworm only packages
 * libsrtp2 2.5. The differences mediasoup actually touches are small:
 *
 *   - srtp_policy_t is an opaque handle built through
 *     srtp_policy_create/set_ssrc/set_profile/add_key/set_allow_repeat_tx/
 *     set_window_size/destroy instead of a plain struct;
 *   - srtp_protect/unprotect(_rtcp) are out-of-place with size_t lengths
 *     (input pointer + length, output pointer + in/out capacity, mki_index);
 *   - srtp_remove_stream() was renamed srtp_stream_remove();
 *   - two new error codes: srtp_err_status_buffer_small, _cryptex_err.
 *
 * This header includes libsrtp2's header with its struct srtp_policy_t
 * renamed (so the libsrtp 3 name is free for the opaque handle) and adds
 * inline C++ overloads that translate each libsrtp 3 call into libsrtp 2
 * calls. Only the feature set mediasoup uses is supported: one master key,
 * no MKI, no cryptex. Anything else returns srtp_err_status_bad_param.
 *
 * The ABI of libsrtp2 is untouched: the rename only changes a C type name,
 * and the C functions keep their C linkage and signatures.
 */
#ifndef CONSULTA_SRTP3_COMPAT_SRTP_H
#define CONSULTA_SRTP3_COMPAT_SRTP_H

#ifndef __cplusplus
#error "Consulta's libsrtp 3 shim is C++ only (mediasoup's worker is C++)."
#endif

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>

#define srtp_policy_t consulta_srtp2_policy_t
#include <srtp2/srtp.h>
#undef srtp_policy_t

/* Error codes added in libsrtp 3 (same numeric values as libsrtp 3). */
inline constexpr srtp_err_status_t srtp_err_status_buffer_small = static_cast<srtp_err_status_t>(28);
inline constexpr srtp_err_status_t srtp_err_status_cryptex_err = static_cast<srtp_err_status_t>(29);

/* libsrtp 2 does not export this one; SRTCP adds a 4 byte E-flag + index. */
#ifndef SRTP_MAX_SRTCP_TRAILER_LEN
#define SRTP_MAX_SRTCP_TRAILER_LEN (SRTP_MAX_TRAILER_LEN + 4)
#endif

struct consulta_srtp3_policy
{
	consulta_srtp2_policy_t policy;
	unsigned char key[SRTP_MAX_KEY_LEN];
	bool hasProfile;
	bool hasKey;
};

/* libsrtp 3: opaque policy handle. */
typedef consulta_srtp3_policy* srtp_policy_t;

inline srtp_err_status_t srtp_policy_create(srtp_policy_t* policy)
{
	if (policy == nullptr)
		return srtp_err_status_bad_param;

	auto* p = new (std::nothrow) consulta_srtp3_policy();  // value-initialised: all zero

	if (p == nullptr)
		return srtp_err_status_alloc_fail;

	p->policy.key         = p->key;
	p->policy.window_size = 0; /* 0 = libsrtp default (128) */
	p->policy.next        = nullptr;
	*policy               = p;

	return srtp_err_status_ok;
}

inline void srtp_policy_destroy(srtp_policy_t policy)
{
	if (policy != nullptr)
	{
		std::memset(policy->key, 0, sizeof(policy->key));
		delete policy;
	}
}

inline srtp_err_status_t srtp_policy_set_ssrc(srtp_policy_t policy, srtp_ssrc_t ssrc)
{
	if (policy == nullptr)
		return srtp_err_status_bad_param;

	policy->policy.ssrc = ssrc;

	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_policy_set_profile(srtp_policy_t policy, srtp_profile_t profile)
{
	if (policy == nullptr)
		return srtp_err_status_bad_param;

	srtp_err_status_t err = srtp_crypto_policy_set_from_profile_for_rtp(&policy->policy.rtp, profile);

	if (err != srtp_err_status_ok)
		return err;

	err = srtp_crypto_policy_set_from_profile_for_rtcp(&policy->policy.rtcp, profile);

	if (err != srtp_err_status_ok)
		return err;

	policy->hasProfile = true;

	return srtp_err_status_ok;
}

/* libsrtp 2 wants key || salt in one buffer; libsrtp 3 takes them apart. */
inline srtp_err_status_t srtp_policy_add_key(
  srtp_policy_t policy,
  const uint8_t* key,
  size_t key_len,
  const uint8_t* salt,
  size_t salt_len,
  const uint8_t* mki,
  size_t mki_len)
{
	(void)mki;

	if (policy == nullptr || key == nullptr || (salt == nullptr && salt_len != 0))
		return srtp_err_status_bad_param;

	/* Single master key without MKI only (all mediasoup needs). */
	if (policy->hasKey || mki_len != 0)
		return srtp_err_status_bad_param;

	if (key_len + salt_len > sizeof(policy->key))
		return srtp_err_status_bad_param;

	if (
	  policy->hasProfile &&
	  key_len + salt_len != static_cast<size_t>(policy->policy.rtp.cipher_key_len))
	{
		return srtp_err_status_bad_param;
	}

	std::memcpy(policy->key, key, key_len);

	if (salt_len != 0)
		std::memcpy(policy->key + key_len, salt, salt_len);

	policy->hasKey = true;

	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_policy_set_allow_repeat_tx(srtp_policy_t policy, bool allow)
{
	if (policy == nullptr)
		return srtp_err_status_bad_param;

	policy->policy.allow_repeat_tx = allow ? 1 : 0;

	return srtp_err_status_ok;
}

inline srtp_err_status_t srtp_policy_set_window_size(srtp_policy_t policy, size_t window_size)
{
	/* Same bounds libsrtp 2 enforces in srtp_create(). */
	if (policy == nullptr || (window_size != 0 && (window_size < 64 || window_size >= 0x8000)))
		return srtp_err_status_bad_param;

	policy->policy.window_size = static_cast<unsigned long>(window_size);

	return srtp_err_status_ok;
}

/* Overload (C++ linkage) of libsrtp 2's srtp_create(srtp_t*, const policy*). */
inline srtp_err_status_t srtp_create(srtp_t* session, srtp_policy_t policy)
{
	if (session == nullptr || policy == nullptr || !policy->hasProfile || !policy->hasKey)
		return srtp_err_status_bad_param;

	return srtp_create(session, static_cast<const consulta_srtp2_policy_t*>(&policy->policy));
}

inline srtp_err_status_t srtp_stream_remove(srtp_t session, uint32_t ssrc)
{
	return srtp_remove_stream(session, ssrc);
}

namespace consulta_srtp3_compat
{
	/* Copies the input into the output buffer (unless they are the same
	 * buffer), then runs libsrtp 2's in-place function on it. */
	template<typename Fn>
	inline srtp_err_status_t OutOfPlace(
	  Fn fn,
	  srtp_t ctx,
	  const uint8_t* in,
	  size_t inLen,
	  uint8_t* out,
	  size_t* outLen,
	  size_t extraNeeded)
	{
		if (ctx == nullptr || in == nullptr || out == nullptr || outLen == nullptr)
			return srtp_err_status_bad_param;

		if (inLen > static_cast<size_t>(INT_MAX) - extraNeeded)
			return srtp_err_status_bad_param;

		if (*outLen < inLen + extraNeeded)
			return srtp_err_status_buffer_small;

		if (out != in)
			std::memmove(out, in, inLen);

		int len = static_cast<int>(inLen);

		const srtp_err_status_t err = fn(ctx, out, &len);

		if (err == srtp_err_status_ok)
			*outLen = static_cast<size_t>(len);

		return err;
	}
} // namespace consulta_srtp3_compat

/* mki_index is ignored: policies from this shim never use MKI. */
inline srtp_err_status_t srtp_protect(
  srtp_t ctx, const uint8_t* rtp, size_t rtp_len, uint8_t* srtp, size_t* srtp_len, size_t mki_index)
{
	(void)mki_index;

	return consulta_srtp3_compat::OutOfPlace(
	  [](srtp_t c, uint8_t* b, int* l) { return srtp_protect(c, b, l); },
	  ctx,
	  rtp,
	  rtp_len,
	  srtp,
	  srtp_len,
	  SRTP_MAX_TRAILER_LEN);
}

inline srtp_err_status_t srtp_unprotect(
  srtp_t ctx, const uint8_t* srtp, size_t srtp_len, uint8_t* rtp, size_t* rtp_len)
{
	return consulta_srtp3_compat::OutOfPlace(
	  [](srtp_t c, uint8_t* b, int* l) { return srtp_unprotect(c, b, l); },
	  ctx,
	  srtp,
	  srtp_len,
	  rtp,
	  rtp_len,
	  0);
}

inline srtp_err_status_t srtp_protect_rtcp(
  srtp_t ctx, const uint8_t* rtcp, size_t rtcp_len, uint8_t* srtcp, size_t* srtcp_len, size_t mki_index)
{
	(void)mki_index;

	return consulta_srtp3_compat::OutOfPlace(
	  [](srtp_t c, uint8_t* b, int* l) { return srtp_protect_rtcp(c, b, l); },
	  ctx,
	  rtcp,
	  rtcp_len,
	  srtcp,
	  srtcp_len,
	  SRTP_MAX_SRTCP_TRAILER_LEN);
}

inline srtp_err_status_t srtp_unprotect_rtcp(
  srtp_t ctx, const uint8_t* srtcp, size_t srtcp_len, uint8_t* rtcp, size_t* rtcp_len)
{
	return consulta_srtp3_compat::OutOfPlace(
	  [](srtp_t c, uint8_t* b, int* l) { return srtp_unprotect_rtcp(c, b, l); },
	  ctx,
	  srtcp,
	  srtcp_len,
	  rtcp,
	  rtcp_len,
	  0);
}

#endif /* CONSULTA_SRTP3_COMPAT_SRTP_H */
