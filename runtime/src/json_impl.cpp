// Boost.JSON, compiled once here (Debian ships its headers, not a library built for 1.81).
#include <boost/json/src.hpp>
