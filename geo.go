package omnikit

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"
)

// EarthRadiusKm is the mean Earth radius (IUGG) used by DistanceKm.
const EarthRadiusKm = 6371.0088

// GeoPoint is a position in decimal degrees (WGS 84): latitude north
// positive, longitude east positive. Coordinates are not money, so
// float64 is the right type here.
//
// The zero GeoPoint (0, 0) is treated as "unknown" by Address.Validate
// and IsZero; that point lies in the Gulf of Guinea, where no store is.
type GeoPoint struct {
	// Lat is the latitude in degrees, in [-90, 90].
	Lat float64
	// Lng is the longitude in degrees, in [-180, 180].
	Lng float64
}

// NewGeoPoint returns the point (lat, lng), or an error matching
// ErrInvalidGeoPoint if either is NaN or infinite, |lat| > 90 or
// |lng| > 180.
func NewGeoPoint(lat, lng float64) (GeoPoint, error) {
	p := GeoPoint{Lat: lat, Lng: lng}
	if err := p.Validate(); err != nil {
		return GeoPoint{}, err
	}
	return p, nil
}

// Validate returns an error matching ErrInvalidGeoPoint if a coordinate
// is NaN or infinite, |Lat| > 90 or |Lng| > 180.
func (p GeoPoint) Validate() error {
	switch {
	case math.IsNaN(p.Lat) || math.IsInf(p.Lat, 0):
		return fmt.Errorf("omnikit: latitude %v is not finite: %w", p.Lat, ErrInvalidGeoPoint)
	case math.IsNaN(p.Lng) || math.IsInf(p.Lng, 0):
		return fmt.Errorf("omnikit: longitude %v is not finite: %w", p.Lng, ErrInvalidGeoPoint)
	case math.Abs(p.Lat) > 90:
		return fmt.Errorf("omnikit: latitude %v outside [-90, 90]: %w", p.Lat, ErrInvalidGeoPoint)
	case math.Abs(p.Lng) > 180:
		return fmt.Errorf("omnikit: longitude %v outside [-180, 180]: %w", p.Lng, ErrInvalidGeoPoint)
	}
	return nil
}

// IsZero reports whether p is the zero GeoPoint, meaning "no position".
func (p GeoPoint) IsZero() bool { return p.Lat == 0 && p.Lng == 0 }

// DistanceKm returns the great-circle distance between p and o in
// kilometres, by the haversine formula on a sphere of radius
// EarthRadiusKm (error against the ellipsoid is within about 0.5%). The
// result is symmetric, non-negative and at most half the circumference.
// It is NaN if either point is invalid.
func (p GeoPoint) DistanceKm(o GeoPoint) float64 {
	if p.Validate() != nil || o.Validate() != nil {
		return math.NaN()
	}
	const rad = math.Pi / 180
	lat1, lat2 := p.Lat*rad, o.Lat*rad
	dLat := (o.Lat - p.Lat) * rad
	dLng := (o.Lng - p.Lng) * rad
	sLat, sLng := math.Sin(dLat/2), math.Sin(dLng/2)
	h := sLat*sLat + math.Cos(lat1)*math.Cos(lat2)*sLng*sLng
	// Rounding can push h a hair outside [0, 1]; asin would return NaN.
	h = math.Min(1, math.Max(0, h))
	return 2 * EarthRadiusKm * math.Asin(math.Sqrt(h))
}

// DistanceMeters returns DistanceKm in whole metres, rounded to nearest.
// It returns -1 if either point is invalid.
func (p GeoPoint) DistanceMeters(o GeoPoint) int64 {
	km := p.DistanceKm(o)
	if math.IsNaN(km) {
		return -1
	}
	return int64(math.Round(km * 1000))
}

// Address is a postal address, for shipping destinations and locations.
type Address struct {
	// Line1 is the first street line; required.
	Line1 string
	// Line2 is an optional second line (building, floor, unit).
	Line2 string
	// City is the city or locality; required.
	City string
	// Region is the state, province or county, if the country uses one.
	Region string
	// PostalCode is the postal or ZIP code, if the country uses one.
	PostalCode string
	// Country is the ISO 3166-1 alpha-2 code in upper case, such as "FR";
	// required.
	Country string
	// Geo is the position, if known; the zero GeoPoint means unknown.
	Geo GeoPoint
}

// Validate checks the address and returns an *InvalidAddressError for
// the first problem found, which matches ErrInvalidAddress (and also
// ErrInvalidGeoPoint when the position is the problem). It requires
// Line1 and City to hold more than white space, Country to be two
// upper-case ASCII letters, every field to be valid UTF-8, and Geo, when
// non-zero, to be a valid point. Country is checked for shape only, not
// against the list of assigned codes.
func (a Address) Validate() error {
	fields := []struct {
		name, value string
		required    bool
	}{
		{"Line1", a.Line1, true},
		{"Line2", a.Line2, false},
		{"City", a.City, true},
		{"Region", a.Region, false},
		{"PostalCode", a.PostalCode, false},
		{"Country", a.Country, true},
	}
	for _, f := range fields {
		switch {
		case !utf8.ValidString(f.value):
			return &InvalidAddressError{Field: f.name, Reason: "not valid utf-8"}
		case f.required && strings.TrimSpace(f.value) == "":
			return &InvalidAddressError{Field: f.name, Reason: "required"}
		}
	}
	if !isAlpha2(a.Country) {
		return &InvalidAddressError{Field: "Country", Reason: fmt.Sprintf("%s is not an iso 3166-1 alpha-2 code in upper case", quoteShort(a.Country))}
	}
	if !a.Geo.IsZero() {
		if err := a.Geo.Validate(); err != nil {
			return &InvalidAddressError{Field: "Geo", Reason: strings.TrimPrefix(err.Error(), "omnikit: ")}
		}
	}
	return nil
}

func isAlpha2(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}
