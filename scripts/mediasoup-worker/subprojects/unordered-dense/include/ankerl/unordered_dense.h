/*
 * Consulta: stand-in for ankerl::unordered_dense (martinus/unordered_dense),
 * which mediasoup fetches through a meson wrap and Debian does not package.
 *
 * mediasoup only uses ankerl::unordered_dense::map, ::set and ::hash<T>, with
 * the std::unordered_map-compatible part of their API. Here they are aliases
 * of std::unordered_map / std::unordered_set, and hash<T> is a mixing hash for
 * integers, enums and pointers (std::hash is the identity for those in
 * libstdc++, which would make mediasoup's HashCombine() of several small
 * integers collide a lot) and std::hash<T> otherwise.
 *
 * Behavioural differences from the real library, none of which mediasoup's
 * worker relies on: iteration order is not insertion order, and references /
 * iterators are more stable than unordered_dense's (std containers never move
 * elements on insert), so code correct for unordered_dense stays correct.
 */
#ifndef CONSULTA_ANKERL_UNORDERED_DENSE_SHIM_H
#define CONSULTA_ANKERL_UNORDERED_DENSE_SHIM_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>

namespace ankerl::unordered_dense
{
	namespace detail
	{
		/* splitmix64 finaliser: full avalanche, cheap. */
		inline std::uint64_t mix(std::uint64_t x) noexcept
		{
			x ^= x >> 30;
			x *= 0xbf58476d1ce4e5b9ULL;
			x ^= x >> 27;
			x *= 0x94d049bb133111ebULL;
			x ^= x >> 31;

			return x;
		}
	} // namespace detail

	template<typename T, typename Enable = void>
	struct hash : std::hash<T>
	{
	};

	template<typename T>
	struct hash<T, std::enable_if_t<std::is_integral_v<T> || std::is_enum_v<T>>>
	{
		using is_avalanching = void;

		std::size_t operator()(T const& value) const noexcept
		{
			if constexpr (std::is_enum_v<T>)
			{
				return static_cast<std::size_t>(detail::mix(
				  static_cast<std::uint64_t>(static_cast<std::underlying_type_t<T>>(value))));
			}
			else
			{
				return static_cast<std::size_t>(detail::mix(static_cast<std::uint64_t>(value)));
			}
		}
	};

	template<typename T>
	struct hash<T*>
	{
		using is_avalanching = void;

		std::size_t operator()(T* value) const noexcept
		{
			return static_cast<std::size_t>(
			  detail::mix(static_cast<std::uint64_t>(reinterpret_cast<std::uintptr_t>(value))));
		}
	};

	template<
	  class Key,
	  class T,
	  class Hash      = hash<Key>,
	  class KeyEqual  = std::equal_to<Key>,
	  class Allocator = std::allocator<std::pair<const Key, T>>>
	using map = std::unordered_map<Key, T, Hash, KeyEqual, Allocator>;

	template<
	  class Key,
	  class T,
	  class Hash      = hash<Key>,
	  class KeyEqual  = std::equal_to<Key>,
	  class Allocator = std::allocator<std::pair<const Key, T>>>
	using segmented_map = std::unordered_map<Key, T, Hash, KeyEqual, Allocator>;

	template<
	  class Key,
	  class Hash      = hash<Key>,
	  class KeyEqual  = std::equal_to<Key>,
	  class Allocator = std::allocator<Key>>
	using set = std::unordered_set<Key, Hash, KeyEqual, Allocator>;

	template<
	  class Key,
	  class Hash      = hash<Key>,
	  class KeyEqual  = std::equal_to<Key>,
	  class Allocator = std::allocator<Key>>
	using segmented_set = std::unordered_set<Key, Hash, KeyEqual, Allocator>;

	/* unordered_dense's public API lives in an inline versioned namespace;
	 * code that names it (ankerl::unordered_dense::v4_x_y::...) is not
	 * supported and would fail to compile loudly. */
} // namespace ankerl::unordered_dense

#endif /* CONSULTA_ANKERL_UNORDERED_DENSE_SHIM_H */
