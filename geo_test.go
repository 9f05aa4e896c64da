package omnikit

import (
	"errors"
	"math"
	"strings"
	"testing"
)

var (
	paris  = GeoPoint{Lat: 48.8566, Lng: 2.3522}
	london = GeoPoint{Lat: 51.5074, Lng: -0.1278}
	sydney = GeoPoint{Lat: -33.8688, Lng: 151.2093}
)

func TestNewGeoPoint(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	tests := []struct {
		lat, lng float64
		ok       bool
	}{
		{0, 0, true},
		{48.8566, 2.3522, true},
		{90, 180, true},
		{-90, -180, true},
		{90.0000001, 0, false},
		{-90.0000001, 0, false},
		{0, 180.0000001, false},
		{0, -180.0000001, false},
		{nan, 0, false},
		{0, nan, false},
		{inf, 0, false},
		{0, -inf, false},
		{math.MaxFloat64, 0, false},
	}
	for _, tt := range tests {
		p, err := NewGeoPoint(tt.lat, tt.lng)
		if tt.ok {
			if err != nil || p.Lat != tt.lat || p.Lng != tt.lng {
				t.Errorf("NewGeoPoint(%v, %v) = %v, %v", tt.lat, tt.lng, p, err)
			}
			if err := p.Validate(); err != nil {
				t.Errorf("Validate: %v", err)
			}
			continue
		}
		if !errors.Is(err, ErrInvalidGeoPoint) || p != (GeoPoint{}) {
			t.Errorf("NewGeoPoint(%v, %v) = %v, %v; want ErrInvalidGeoPoint", tt.lat, tt.lng, p, err)
		}
		if err := (GeoPoint{tt.lat, tt.lng}).Validate(); !errors.Is(err, ErrInvalidGeoPoint) || !strings.HasPrefix(err.Error(), "omnikit: ") {
			t.Errorf("Validate(%v, %v) = %v", tt.lat, tt.lng, err)
		}
	}
}

func TestGeoIsZero(t *testing.T) {
	if !(GeoPoint{}).IsZero() || paris.IsZero() || (GeoPoint{Lat: 1}).IsZero() || (GeoPoint{Lng: 1}).IsZero() {
		t.Error("IsZero wrong")
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		name   string
		a, b   GeoPoint
		wantKm float64
		tolKm  float64
	}{
		{"same point", paris, paris, 0, 0},
		{"paris london", paris, london, 343.5, 1},
		{"london sydney", london, sydney, 16994, 10},
		{"one degree of latitude", GeoPoint{0, 0}, GeoPoint{1, 0}, 111.195, 0.01},
		{"one degree of longitude at equator", GeoPoint{0, 0}, GeoPoint{0, 1}, 111.195, 0.01},
		{"antipodes", GeoPoint{0, 0}, GeoPoint{0, 180}, math.Pi * EarthRadiusKm, 1e-6},
		{"poles", GeoPoint{90, 0}, GeoPoint{-90, 0}, math.Pi * EarthRadiusKm, 1e-6},
		{"across the date line", GeoPoint{0, 179.5}, GeoPoint{0, -179.5}, 111.195, 0.01},
		// Here the haversine term rounds to 1.0000000000000002.
		{"antipodes rounding above one", GeoPoint{-89.25999999999999, -180}, GeoPoint{89.25999999999999, 0}, math.Pi * EarthRadiusKm, 1e-6},
		{"pole any longitude", GeoPoint{90, 0}, GeoPoint{90, 123}, 0, 1e-9},
	}
	for _, tt := range tests {
		got := tt.a.DistanceKm(tt.b)
		if math.Abs(got-tt.wantKm) > tt.tolKm {
			t.Errorf("%s: DistanceKm = %v, want %v ± %v", tt.name, got, tt.wantKm, tt.tolKm)
		}
		if m := tt.a.DistanceMeters(tt.b); m != int64(math.Round(got*1000)) {
			t.Errorf("%s: DistanceMeters = %d, want %v", tt.name, m, math.Round(got*1000))
		}
	}
	if got := paris.DistanceMeters(london); got < 343000 || got > 344000 {
		t.Errorf("DistanceMeters paris london = %d", got)
	}
}

func TestDistanceInvalid(t *testing.T) {
	bad := []GeoPoint{{math.NaN(), 0}, {91, 0}, {0, math.Inf(-1)}}
	for _, b := range bad {
		if d := paris.DistanceKm(b); !math.IsNaN(d) {
			t.Errorf("DistanceKm to %v = %v, want NaN", b, d)
		}
		if d := b.DistanceKm(paris); !math.IsNaN(d) {
			t.Errorf("DistanceKm from %v = %v, want NaN", b, d)
		}
		if d := paris.DistanceMeters(b); d != -1 {
			t.Errorf("DistanceMeters to %v = %v, want -1", b, d)
		}
	}
}

func validAddress() Address {
	return Address{Line1: "10 rue de Rivoli", City: "Paris", PostalCode: "75004", Country: "FR", Geo: paris}
}

func TestAddressValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Address)
		field string // "" means valid
	}{
		{"valid", func(*Address) {}, ""},
		{"no geo", func(a *Address) { a.Geo = GeoPoint{} }, ""},
		{"with line2 and region", func(a *Address) { a.Line2 = "3e étage"; a.Region = "IDF" }, ""},
		{"empty line1", func(a *Address) { a.Line1 = "" }, "Line1"},
		{"blank line1", func(a *Address) { a.Line1 = " \t" }, "Line1"},
		{"empty city", func(a *Address) { a.City = "" }, "City"},
		{"empty country", func(a *Address) { a.Country = "" }, "Country"},
		{"lower country", func(a *Address) { a.Country = "fr" }, "Country"},
		{"alpha3 country", func(a *Address) { a.Country = "FRA" }, "Country"},
		{"one letter", func(a *Address) { a.Country = "F" }, "Country"},
		{"digit country", func(a *Address) { a.Country = "F1" }, "Country"},
		{"non-ascii country", func(a *Address) { a.Country = "FÉ" }, "Country"},
		{"bad geo", func(a *Address) { a.Geo = GeoPoint{Lat: 100, Lng: 2} }, "Geo"},
		{"nan geo", func(a *Address) { a.Geo = GeoPoint{Lat: math.NaN()} }, "Geo"},
		{"invalid utf8 line2", func(a *Address) { a.Line2 = "\xff" }, "Line2"},
		{"invalid utf8 postal code", func(a *Address) { a.PostalCode = "75\xfe" }, "PostalCode"},
		{"invalid utf8 region", func(a *Address) { a.Region = "\xc3" }, "Region"},
		{"first problem wins", func(a *Address) { a.Line1 = ""; a.Country = "" }, "Line1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := validAddress()
			tt.edit(&a)
			err := a.Validate()
			if tt.field == "" {
				if err != nil {
					t.Fatalf("Validate() = %v", err)
				}
				return
			}
			var ae *InvalidAddressError
			if !errors.Is(err, ErrInvalidAddress) || !errors.As(err, &ae) {
				t.Fatalf("Validate() = %v, want *InvalidAddressError", err)
			}
			if ae.Field != tt.field || ae.Reason == "" {
				t.Errorf("got %+v, want field %s", *ae, tt.field)
			}
			if errors.Is(err, ErrInvalidGeoPoint) != (tt.field == "Geo") {
				t.Errorf("ErrInvalidGeoPoint match = %v for field %s", errors.Is(err, ErrInvalidGeoPoint), tt.field)
			}
			if !strings.HasPrefix(err.Error(), "omnikit: invalid address: "+tt.field+": ") {
				t.Errorf("message %q", err)
			}
		})
	}
}
