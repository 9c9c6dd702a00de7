// The one translation unit that compiles Beast (BOOST_BEAST_SEPARATE_COMPILATION) and
// Asio's TLS support.
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
