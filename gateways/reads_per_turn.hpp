#pragma once

namespace actorserve {

/// Socket reads a gateway's connection makes in a row while its reads come
/// back full; then it goes to the back of its I/O thread's queue, so that a
/// client that keeps sending does not hold the thread from the others.
inline constexpr int max_reads_per_turn = 16;

} // namespace actorserve
